"""Thermometers: a stream of readings behind a small interface.

``base`` holds the interface, ``protocols/`` the pure parsers (bytes in, readings out),
one module per wire protocol, and ``serial_port`` the transport that feeds them.
"""

from drivers.thermometer.base import NoThermometer, Reading, Thermometer
from drivers.thermometer.protocols import PROTOCOLS, build as build_protocol
from drivers.thermometer.serial_port import SerialThermometer

__all__ = ["NoThermometer", "PROTOCOLS", "Reading", "SerialThermometer", "Thermometer", "build_protocol"]
