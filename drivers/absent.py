"""Stand-ins for a device that could not be built (a missing library, a bad setting, an
exception in its constructor): each says ABSENT, as a device unplugged while running
does, and keeps the reason in words for the log and the status, so the kiosk comes up
with the devices it has."""

from __future__ import annotations

import threading

from drivers.camera import Camera
from drivers.decoder import Decoder
from drivers.reader import CodeReader
from drivers.relay import Relay
from drivers.state import DeviceState
from drivers.thermometer import Thermometer


class AbsentCamera(Camera):
    def __init__(self, reason: str) -> None:
        self.state, self.reason = DeviceState.ABSENT, reason
        self._stop = threading.Event()

    def start(self) -> None:
        pass

    def read(self, timeout: float = 1.0):
        # As a camera that delivers nothing: the caller's loop waits, it does not spin.
        self._stop.wait(timeout)
        return None

    def stop(self) -> None:
        self._stop.set()


class AbsentDecoder(Decoder):
    """Reads nothing: it stands beside the absent camera a missing decoder makes."""

    def decode(self, frame) -> list:
        return []


class AbsentThermometer(Thermometer):
    def __init__(self, reason: str) -> None:
        self.state, self.reason = DeviceState.ABSENT, reason

    def start(self, on_reading) -> None:
        pass

    def stop(self) -> None:
        pass


class AbsentRelay(Relay):
    def __init__(self, reason: str) -> None:
        self.state, self.reason = DeviceState.ABSENT, reason

    def pulse(self, ms: int) -> None:
        pass


class AbsentReader(CodeReader):
    def __init__(self, name: str, reason: str) -> None:
        self.name, self.state, self.reason = name, DeviceState.ABSENT, reason

    def start(self, on_code) -> None:
        pass

    def stop(self) -> None:
        pass
