"""How every serial driver here opens its device, and what a failed open means."""

from __future__ import annotations

import os

from drivers.state import DeviceState


def open_port(port: str, *, baudrate: int, timeout: float, write_timeout: float | None = None):
    """A pyserial port on a tty path or a pyserial URL (socket://, loop://). A tty is
    opened exclusively: a second reader on it would steal half the bytes, so it is
    refused with a clear error instead."""
    import serial

    kwargs = {"baudrate": baudrate, "timeout": timeout, "write_timeout": write_timeout}
    if "://" not in port:
        kwargs["exclusive"] = True
    return serial.serial_for_url(port, **kwargs)


def state_after_failed_open(port: str) -> DeviceState:
    """A path that is there but cannot be opened (permissions, another program holding
    it) is a fault to fix; a missing one is a cable to wait for."""
    there = "://" not in port and os.path.exists(port)
    return DeviceState.ERROR if there else DeviceState.ABSENT
