"""From a stream of thermometer readings to one trustworthy body temperature per scan.

The temperature decides who is turned away, so a value counts only when it is believable:

- a person is in front when the object temperature is above the ambient by a margin
  (without an ambient, when it is near the body range);
- several consecutive such samples must agree within a spread, without a trend (a slow
  approach creeps up the same way); their median is taken;
- the stream itself must be steady: a sensor jumping from sample to sample now and then
  lands a few samples close together by chance, and their median is then anywhere
  within its noise. The jitter is measured by second differences, which an approach
  (a smooth climb) leaves near zero and noise does not;
- the skin-to-body offset is added;
- a body value outside the plausible range (34.0-43.0 deg C by default) is a misread,
  so the person is asked to measure again: neither a fever nor a pass.

``add()`` is called from the thermometer's thread, ``for_scan()`` from the checkpoint's.
"""

from __future__ import annotations

import collections
import statistics
import threading
from dataclasses import dataclass
from typing import Callable, Literal

from drivers.state import DeviceState
from drivers.thermometer import Reading

MISREAD_LOW_C, MISREAD_HIGH_C = 34.0, 43.0

Status = Literal["ok", "misread", "none", "pending"]


@dataclass(frozen=True)
class TemperatureResult:
    status: Status              # ok: value_c is a body temperature to decide on; misread: measure again;
                                # none: nobody was measured; pending: keep waiting
    value_c: float | None = None       # body temperature (skin median + offset), deg C
    ambient_c: float | None = None
    settled_t: float | None = None     # arrival time of the last sample that settled it
    sensor: DeviceState = DeviceState.OK   # OK: fresh readings; STALE, ABSENT, ERROR, DISABLED: why not
    detail: str | None = None          # why not ok: unstable, out_of_range, nobody, no_sensor
    object_c: float | None = None      # the skin reading behind value_c, deg C

    def as_record(self, sensor: str) -> dict:
        rec = {"value_c": self.value_c, "ambient_c": self.ambient_c, "sensor": sensor}
        if self.status != "ok":
            rec["missing"] = self.status
            rec["detail"] = self.detail
            rec["sensor_state"] = self.sensor.value
        return rec


def _rise(values: list[float]) -> float:
    """How far the least-squares line through the samples climbs across them."""
    n = len(values)
    if n < 2:
        return 0.0
    mean_x, mean_v = (n - 1) / 2, sum(values) / n
    cov = sum((i - mean_x) * (v - mean_v) for i, v in enumerate(values))
    var = sum((i - mean_x) ** 2 for i in range(n))
    return cov / var * (n - 1)


def _jitter(values: list[float]) -> float:
    """Median size of the second differences: the sample-to-sample noise, blind to a steady climb."""
    second = [abs(values[i - 1] - 2 * values[i] + values[i + 1]) for i in range(1, len(values) - 1)]
    return statistics.median(second) if second else 0.0


class TemperatureTracker:
    def __init__(self, margin_c: float = 2.0, samples: int = 5, spread_c: float = 0.3, offset_c: float = 0.0,
                 keep_s: float = 30.0, lookback_s: float = 0.5, *, misread_low_c: float = MISREAD_LOW_C,
                 misread_high_c: float = MISREAD_HIGH_C, stale_after_s: float = 2.0, max_gap_s: float = 1.0,
                 sensor_state: Callable[[], DeviceState] | None = None) -> None:
        self.margin_c, self.samples, self.spread_c = margin_c, samples, spread_c
        self.offset_c, self.keep_s, self.lookback_s = offset_c, keep_s, lookback_s
        self.misread_low_c, self.misread_high_c = misread_low_c, misread_high_c
        self.stale_after_s, self.max_gap_s = stale_after_s, max_gap_s
        self._sensor_state = sensor_state
        self._readings: collections.deque[Reading] = collections.deque()
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, section, sensor_state: Callable[[], DeviceState] | None = None) -> "TemperatureTracker":
        """Built from the [thermometer] config section; ``sensor_state`` is the driver's state."""
        s = section
        return cls(margin_c=s.presence_margin_c, samples=s.stable_samples, spread_c=s.stable_spread_c,
                   offset_c=s.offset_c, misread_low_c=s.misread_low_c, misread_high_c=s.misread_high_c,
                   stale_after_s=s.stale_after_s, sensor_state=sensor_state)

    def add(self, reading: Reading) -> None:
        with self._lock:
            self._readings.append(reading)
            while self._readings and reading.t - self._readings[0].t > self.keep_s:
                self._readings.popleft()

    def sensor(self, now: float) -> DeviceState:
        """The sensor as the checkpoint sees it: the driver's own state, and stale when readings stopped."""
        driver = self._sensor_state() if self._sensor_state else None
        if driver is not None and driver != DeviceState.OK:
            return driver
        with self._lock:
            last = self._readings[-1].t if self._readings else None
        if last is None:
            return DeviceState.STARTING if driver is not None else DeviceState.ABSENT
        return DeviceState.STALE if now - last > self.stale_after_s else DeviceState.OK

    def is_person(self, r: Reading) -> bool:
        if r.ambient_c is not None:
            return r.object_c - r.ambient_c >= self.margin_c
        # No ambient to compare with: only readings near the body range can be a person.
        return r.object_c + self.offset_c >= self.misread_low_c - self.margin_c

    def _runs(self, readings: list[Reading], scan_t: float) -> list[list[Reading]]:
        """Unbroken stretches of person readings (nobody in between, no gap in the stream),
        leaving out those that ended before the scan: that was the person before."""
        runs: list[list[Reading]] = []
        run: list[Reading] = []
        prev_t = None
        for r in readings:
            person = self.is_person(r)
            gap = prev_t is not None and r.t - prev_t > self.max_gap_s
            if run and (not person or gap):
                if person or r.t > scan_t:
                    runs.append(run)
                run = []
            if person:
                run.append(r)
            prev_t = r.t
        if run:
            runs.append(run)
        return runs

    def for_scan(self, scan_t: float, now: float, window_s: float, final: bool = False,
                 after: float | None = None) -> TemperatureResult:
        """The body temperature for a person scanned at ``scan_t``: "pending" until a stable
        plausible value arrives or ``window_s`` has passed since the scan. ``final``: decide
        now with what has arrived (the next person is already at the camera). ``after``: only
        samples that arrived later count (a re-measure must not reuse the first one's samples)."""
        with self._lock:
            near = [r for r in self._readings if scan_t - self.lookback_s <= r.t <= min(now, scan_t + window_s)
                    and (after is None or r.t > after)]
        sensor = self.sensor(now)
        implausible: TemperatureResult | None = None
        seen_person = False
        for run in self._runs(near, scan_t):
            seen_person = True
            run_values = [r.object_c for r in run]
            for i in range(len(run) - self.samples + 1):
                window = run[i:i + self.samples]
                values = run_values[i:i + self.samples]
                if max(values) - min(values) > self.spread_c or abs(_rise(values)) > self.spread_c / 2:
                    continue
                # The window and as many samples before it: enough to tell luck from a steady hand.
                if _jitter(run_values[max(0, i - self.samples):i + self.samples]) > self.spread_c + 1e-9:
                    continue
                skin = statistics.median(values)
                body = round(skin + self.offset_c, 2)
                if self.misread_low_c <= body <= self.misread_high_c:
                    return TemperatureResult("ok", body, window[-1].ambient_c, window[-1].t, sensor, None, skin)
                if implausible is None:
                    implausible = TemperatureResult("misread", body, window[-1].ambient_c, window[-1].t, sensor,
                                                    "out_of_range", skin)
        if sensor == DeviceState.DISABLED:
            return TemperatureResult("none", sensor=sensor, detail="no_sensor")
        if now - scan_t < window_s and not final:
            # An implausible value may be the person still stepping up: keep looking until the window ends.
            return TemperatureResult("pending", sensor=sensor)
        if implausible is not None:
            return implausible
        if seen_person:
            return TemperatureResult("misread", sensor=sensor, detail="unstable")
        detail = "nobody" if sensor == DeviceState.OK else "no_sensor"
        return TemperatureResult("none", sensor=sensor, detail=detail)
