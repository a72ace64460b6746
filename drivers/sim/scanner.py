"""A serial scanner module simulated behind a pty: the far end writes the module's real
line protocol (``prefix + code + suffix + terminator``), so the kiosk's real serial
reader and line framer run unchanged against it.

It plays the scenario: a person with ``scanner = "..."`` (or ``card = "..."``, for a
card reader) holds that code under the module when they arrive, and the module sends it once, as a real one does (it re-sends
only when the code is taken away and shown again). ``show(text)`` sends a code at once.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
import tty
from pathlib import Path

from drivers.scanner.lines import encode
from drivers.sim.showing import ScenarioPlayer


class PtyScannerSim(ScenarioPlayer):
    def __init__(self, scenario=None, t0: float | None = None, *, terminator: bytes = b"\r",
                 prefix: bytes = b"", suffix: bytes = b"", loop: bool = False,
                 link_path: str | Path | None = None, field: str = "scanner") -> None:
        super().__init__(scenario, t0, loop=loop, field=field, thread_name="sim-scanner")
        self.framing = {"terminator": terminator, "prefix": prefix, "suffix": suffix}
        self.codes_sent = 0
        self._own_dir = None
        if link_path is None:
            self._own_dir = tempfile.TemporaryDirectory(prefix="scanner-sim-")
            link_path = Path(self._own_dir.name) / "usb-scanner"
        self.link = Path(link_path)
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)      # nobody reading: drop, as a UART does
        self._master, self._slave = master, slave
        os.symlink(os.ttyname(slave), self.link)
        self._lock = threading.Lock()

    @property
    def port(self) -> str:
        """The stable path the kiosk opens, as it would /dev/serial/by-id/..."""
        return str(self.link)

    def show(self, text: str) -> float:
        """Hold a code under the module now; returns the monotonic time it was sent."""
        data = encode(text, **self.framing)
        with self._lock:
            t = time.monotonic()
            try:
                os.write(self._master, data)
            except BlockingIOError:
                return t            # the kiosk is not reading: the code is lost, as on a wire
            self.codes_sent += 1
        return t

    def stop(self) -> None:
        self.stop_playing()
        self.link.unlink(missing_ok=True)
        for fd in (self._master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass
        if self._own_dir is not None:
            self._own_dir.cleanup()
