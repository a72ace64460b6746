"""A relay that records its pulses instead of moving a lock."""

from __future__ import annotations

import time

from drivers.relay import Relay


class SimRelay(Relay):
    def __init__(self) -> None:
        self.pulses: list[tuple[float, int]] = []   # (monotonic time, ms)

    def pulse(self, ms: int) -> None:
        self.pulses.append((time.monotonic(), ms))

    def is_open(self, at: float | None = None) -> bool:
        """Whether the simulated lock is open at monotonic time ``at`` (default: now)."""
        at = time.monotonic() if at is None else at
        return any(t <= at < t + ms / 1000 for t, ms in self.pulses)
