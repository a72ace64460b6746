"""The wire protocols a thermometer may speak, by the name the config uses."""

from __future__ import annotations

from drivers.thermometer.protocols.ascii_line import AsciiLine
from drivers.thermometer.protocols.base import FrameError, ParserStats, StreamParser, WireProtocol
from drivers.thermometer.protocols.gy_mcu90614 import GYMCU90614
from drivers.thermometer.protocols.modbus_rtu import ModbusRTU

PROTOCOLS: dict[str, type[WireProtocol]] = {p.name: p for p in (GYMCU90614, ModbusRTU, AsciiLine)}


def build(name: str, section=None) -> WireProtocol:
    """The protocol ``name``, configured from the thermometer config section (defaults when None)."""
    try:
        cls = PROTOCOLS[name]
    except KeyError:
        raise ValueError(f"unknown thermometer protocol {name!r}; known: {', '.join(PROTOCOLS)}") from None
    return cls.from_config(section) if section is not None else cls()


__all__ = ["PROTOCOLS", "build", "FrameError", "ParserStats", "StreamParser", "WireProtocol"]
