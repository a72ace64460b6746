"""What every thermometer is: a stream of readings from a thread of its own, and a state."""

from __future__ import annotations

import abc
import time
from dataclasses import dataclass, field
from typing import Callable

from drivers.state import DeviceState


@dataclass(frozen=True)
class Reading:
    object_c: float                 # what the sensor sees (skin, or the room when nobody is there), deg C
    ambient_c: float | None         # the sensor's own temperature, deg C; None when the protocol has none
    t: float = field(default_factory=time.monotonic)   # monotonic time of arrival


class Thermometer(abc.ABC):
    state: DeviceState = DeviceState.STARTING

    @abc.abstractmethod
    def start(self, on_reading: Callable[[Reading], None]) -> None:
        """Begin delivering readings to ``on_reading`` from a thread of its own."""

    @abc.abstractmethod
    def stop(self) -> None: ...


class NoThermometer(Thermometer):
    state = DeviceState.DISABLED

    def start(self, on_reading):
        pass

    def stop(self):
        pass
