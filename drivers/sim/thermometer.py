"""A thermometer module simulated behind a pty: the far end writes real protocol bytes.

The kiosk opens the pty's slave path with the real serial driver, so the real parser
and transport run unchanged. Faults can be switched on at any time, on purpose.
"""

from __future__ import annotations

import os
import random
import threading
import time
import tty

from drivers.sim.scenario import Scenario
from drivers.thermometer import gy_frame

AMBIENT_C = 25.0


class PtyThermometerSim:
    """Far end of a pty that speaks the GY-MCU90614 protocol at ``rate_hz``."""

    def __init__(self, scenario: Scenario | None, t0: float, rate_hz: float = 10.0, loop: bool = False,
                 skin_offset_c: float = 0.0, seed: int | None = None) -> None:
        self.scenario, self.t0, self.rate_hz, self.loop = scenario, t0, rate_hz, loop
        self.skin_offset_c = skin_offset_c
        self._rng = random.Random(seed)
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.faults: set[str] = set()       # "silence", "garbage", "bad_checksum"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sim-thermometer", daemon=True)
        self._thread.start()

    def object_temperature(self, t: float) -> float:
        who = self.scenario.at(t) if self.scenario else None
        # A person is in range shortly after they step up, until shortly after they leave.
        if who is not None and who.temperature_c is not None and t >= who.at_s + 0.2:
            return who.temperature_c - self.skin_offset_c + self._rng.uniform(-0.05, 0.05)
        return AMBIENT_C + self._rng.uniform(-0.2, 0.2)

    def _run(self) -> None:
        period = 1.0 / self.rate_hz
        while not self._stop.wait(period):
            t = time.monotonic() - self.t0
            if self.loop and self.scenario and self.scenario.duration_s > 0:
                t %= self.scenario.duration_s
            if "silence" in self.faults:
                continue
            frame = gy_frame(self.object_temperature(t), AMBIENT_C)
            if "bad_checksum" in self.faults:
                frame = frame[:-1] + bytes([(frame[-1] + 1) & 0xFF])
            if "garbage" in self.faults:
                frame = bytes(self._rng.randrange(256) for _ in range(5)) + frame
            try:
                os.write(self._master, frame)
            except OSError:
                return

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
        for fd in (self._master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass
