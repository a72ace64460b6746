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
from drivers.sim.showing import ScenarioPlayer


class FifoWedgeSim(ScenarioPlayer):
    def __init__(self, scenario=None, t0: float | None = None, *, field: str = "scanner", loop: bool = False) -> None:
        super().__init__(scenario, t0, loop=loop, field=field, thread_name="sim-wedge")
        self._dir = tempfile.TemporaryDirectory(prefix="wedge-sim-")
        self.path = str(Path(self._dir.name) / "usb-wedge-event-kbd")
        os.mkfifo(self.path)
        # Held open read-write so writes never block or fail while the kiosk reopens it.
        self._fd = os.open(self.path, os.O_RDWR | os.O_NONBLOCK)
        self._lock = threading.Lock()

    def show(self, text: str) -> float:
        """Type ``text`` and Enter now; returns the monotonic time it was sent."""
        data = pack_events(type_text(text))
        with self._lock:
            t = time.monotonic()
            os.write(self._fd, data)
        return t

    def stop(self) -> None:
        self.stop_playing()
        os.close(self._fd)
        self._dir.cleanup()
