"""A handheld thermometer reading typed in by a volunteer when the kiosk's own
thermometer is down. It stands for the next person scanned within ``valid_s``, once."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from kiosk.temperature import MISREAD_HIGH_C, MISREAD_LOW_C, TemperatureResult

HANDHELD_MIN_C, HANDHELD_MAX_C = 30.0, 45.0
SENSOR = "handheld"


class HandheldError(ValueError):
    """The typed value cannot be a body temperature; ``reason`` names why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_celsius(text: str) -> float:
    """The volunteer's typed value in deg C; accepts a comma as the decimal mark."""
    try:
        value = float(str(text).strip().replace(",", ".").replace("，", "."))
    except ValueError:
        raise HandheldError("not_a_number") from None
    if not HANDHELD_MIN_C <= value <= HANDHELD_MAX_C:
        raise HandheldError("out_of_range")
    return round(value, 1)


@dataclass(frozen=True)
class HandheldReading:
    value_c: float
    operator: str
    t: float

    def result(self) -> TemperatureResult:
        ok = MISREAD_LOW_C <= self.value_c <= MISREAD_HIGH_C
        return TemperatureResult("ok" if ok else "misread", self.value_c, None, self.t)


class HandheldReadings:
    def __init__(self, valid_s: float = 60.0) -> None:
        self.valid_s = valid_s
        self._reading: HandheldReading | None = None
        self._lock = threading.Lock()

    def put(self, value_c: float, operator: str) -> HandheldReading:
        reading = HandheldReading(value_c, operator, time.monotonic())
        with self._lock:
            self._reading = reading
        return reading

    def peek(self) -> HandheldReading | None:
        with self._lock:
            r = self._reading
        return r if r is not None and time.monotonic() - r.t <= self.valid_s else None

    def take(self, scan_t: float) -> HandheldReading | None:
        """The reading for a person scanned at ``scan_t``, used up; None when there is none
        or it is older than ``valid_s`` at the scan."""
        with self._lock:
            r = self._reading
            if r is None or scan_t - r.t > self.valid_s:
                return None
            self._reading = None
            return r
