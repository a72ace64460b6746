"""Pairs a scan with the thermometer's readings: a person is in front when the object
temperature rises above the ambient by a margin, and a value counts only once several
such samples agree."""

from __future__ import annotations

import collections
import statistics
import threading
from dataclasses import dataclass

from drivers.thermometer import Reading

MISREAD_LOW_C, MISREAD_HIGH_C = 34.0, 43.0


@dataclass(frozen=True)
class TemperatureResult:
    status: str                 # "ok" | "misread" | "none" | "pending"
    value_c: float | None = None
    ambient_c: float | None = None
    settled_t: float | None = None     # arrival time of the last sample that settled it

    def as_record(self, sensor: str) -> dict:
        rec = {"value_c": self.value_c, "ambient_c": self.ambient_c, "sensor": sensor}
        if self.status != "ok":
            rec["missing"] = self.status
        return rec


class TemperatureTracker:
    def __init__(self, margin_c: float = 3.0, samples: int = 3, spread_c: float = 0.3,
                 offset_c: float = 0.0, keep_s: float = 30.0, lookback_s: float = 0.5) -> None:
        self.margin_c, self.samples, self.spread_c = margin_c, samples, spread_c
        self.offset_c, self.keep_s, self.lookback_s = offset_c, keep_s, lookback_s
        self._readings: collections.deque[Reading] = collections.deque()
        self._lock = threading.Lock()

    def add(self, reading: Reading) -> None:
        with self._lock:
            self._readings.append(reading)
            while self._readings and reading.t - self._readings[0].t > self.keep_s:
                self._readings.popleft()

    def for_scan(self, scan_t: float, now: float, window_s: float, after: float | None = None) -> TemperatureResult:
        """The body temperature for a person scanned at ``scan_t``; "pending" until a
        stable value arrives or ``window_s`` has passed. ``after``: only samples that
        arrived later count (a re-measure must not reuse the first one's samples)."""
        with self._lock:
            near = [r for r in self._readings if scan_t - self.lookback_s <= r.t <= scan_t + window_s
                    and (after is None or r.t > after)]
        person = [r for r in near if r.ambient_c is None or r.object_c - r.ambient_c >= self.margin_c]
        for i in range(len(person) - self.samples + 1):
            run = person[i:i + self.samples]
            values = [r.object_c for r in run]
            if max(values) - min(values) <= self.spread_c:
                body = round(statistics.median(values) + self.offset_c, 2)
                ambient = run[-1].ambient_c
                status = "ok" if MISREAD_LOW_C <= body <= MISREAD_HIGH_C else "misread"
                return TemperatureResult(status, body, ambient, run[-1].t)
        if now - scan_t < window_s:
            return TemperatureResult("pending")
        return TemperatureResult("misread" if person else "none")
