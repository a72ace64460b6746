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
    """A relay on a GPIO pin, driven with gpiozero. A pulse that comes while the gate
    is open keeps it open for the new duration from now, never shorter."""

    def __init__(self, pin: int, active_high: bool = True, pin_factory=None) -> None:
        from gpiozero import OutputDevice   # only on a Pi with gpiozero installed

        self._dev = OutputDevice(pin, active_high=active_high, initial_value=False, pin_factory=pin_factory)
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    @property
    def is_open(self) -> bool:
        return bool(self._dev.value)

    def pulse(self, ms: int) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._dev.on()
            self._timer = threading.Timer(ms / 1000, self._release)
            self._timer.daemon = True
            self._timer.start()

    def _release(self) -> None:
        with self._lock:
            self._timer = None
            self._dev.off()

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._dev.off()     # never leave the gate unlocked behind us
            self._dev.close()
