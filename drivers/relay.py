"""Gate lock relay interface, and the GPIO implementation (gpiozero)."""

from __future__ import annotations

import abc
import threading

from drivers.state import DeviceState


class Relay(abc.ABC):
    state: DeviceState = DeviceState.OK

    @abc.abstractmethod
    def pulse(self, ms: int) -> None:
        """Open the gate for ``ms`` milliseconds; returns at once."""

    def close(self) -> None:
        pass


class NoRelay(Relay):
    state = DeviceState.DISABLED

    def pulse(self, ms: int) -> None:
        pass


class GpioRelay(Relay):
    def __init__(self, pin: int) -> None:
        from gpiozero import OutputDevice   # only on a Pi with gpiozero installed

        self._dev = OutputDevice(pin, active_high=True, initial_value=False)

    def pulse(self, ms: int) -> None:
        self._dev.on()
        threading.Timer(ms / 1000, self._dev.off).start()

    def close(self) -> None:
        self._dev.close()
