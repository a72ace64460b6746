"""A keyboard-wedge reader simulated behind a FIFO: the far end writes the raw
``struct input_event`` records a US-keyboard wedge would produce, and the kiosk's
event-stream reader translates them as it does a real device's.

It plays the scenario: a person's ``scanner = "..."`` (a scanner in keyboard mode) or
``card = "..."`` (a card reader), whichever this reader reads, is typed once when they
arrive, ending in Enter. ``show(text)`` types a text at once.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

from drivers.scanner.keymap import type_text
from drivers.scanner.wedge import pack_events
from drivers.sim.showing import play


class FifoWedgeSim:
    def __init__(self, scenario=None, t0: float | None = None, *, field: str = "scanner", loop: bool = False) -> None:
        self.scenario, self.field, self.loop = scenario, field, loop
        self.t0 = time.monotonic() if t0 is None else t0
        self._dir = tempfile.TemporaryDirectory(prefix="wedge-sim-")
        self.path = str(Path(self._dir.name) / "usb-wedge-event-kbd")
        os.mkfifo(self.path)
        # Held open read-write so writes never block or fail while the kiosk reopens it.
        self._fd = os.open(self.path, os.O_RDWR | os.O_NONBLOCK)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def show(self, text: str) -> float:
        """Type ``text`` and Enter now; returns the monotonic time it was sent."""
        data = pack_events(type_text(text))
        with self._lock:
            t = time.monotonic()
            os.write(self._fd, data)
        return t

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sim-wedge", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        if self.scenario is not None:
            play(self.scenario, self.t0, self.loop, self.field, self.show, self._stop)

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
        os.close(self._fd)
        self._dir.cleanup()
