"""A serial scanner module (USB CDC or TTL UART): pyserial, one code per line.

Like the thermometer's transport it never gives up on the device: a pulled cable turns
the reader ABSENT, logs once, and its stable path (/dev/serial/by-id/...) is reopened
with growing back-off. A scanner is silent between codes, so silence is normal: the
state stays OK while the port is open.
"""

from __future__ import annotations

import logging
from typing import Callable

from drivers.reader import ReaderCode, ThreadedReader
from drivers.scanner.lines import LineFramer
from drivers.serialport import open_port, state_after_failed_open
from drivers.state import DeviceState

log = logging.getLogger(__name__)


class SerialScanner(ThreadedReader):
    def __init__(self, name: str, port: str, framer: LineFramer, baudrate: int = 9600, *, code_type: str = "SCANNER",
                 normalise: Callable[[str], str | None] = lambda text: text,
                 backoff_s: tuple[float, float] = (0.2, 2.0)) -> None:
        super().__init__(name)
        self.port, self.framer, self.baudrate = port, framer, baudrate
        self.code_type, self.normalise = code_type, normalise
        self.backoff_s = backoff_s
        self._counts = {"codes": 0, "refused": 0, "opens": 0, "failed_opens": 0, "losses": 0}

    def stats(self) -> dict:
        return {**self._counts, **self.framer.stats.as_dict()}

    def _open(self):
        return open_port(self.port, baudrate=self.baudrate, timeout=0.1)

    def _run(self, on_code) -> None:
        import serial

        backoff, troubled = self.backoff_s[0], False
        while not self._stop.is_set():
            try:
                port = self._open()
            except (serial.SerialException, OSError, ValueError) as exc:
                self.state = state_after_failed_open(self.port)
                self._counts["failed_opens"] += 1
                log.log(logging.DEBUG if troubled else logging.WARNING,
                        "reader %s: %s: %s; retrying with back-off", self.name, self.port, exc)
                troubled = True
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.backoff_s[1])
                continue
            self._counts["opens"] += 1
            self.state = DeviceState.OK
            if troubled:
                log.info("reader %s: %s is back", self.name, self.port)
            troubled, backoff = False, self.backoff_s[0]
            try:
                self._session(port, on_code)
            except (serial.SerialException, OSError) as exc:
                self.state = DeviceState.ABSENT
                self._counts["losses"] += 1
                log.warning("reader %s: %s lost: %s", self.name, self.port, exc)
                troubled = True
            finally:
                port.close()

    def _session(self, port, on_code) -> None:
        while not self._stop.is_set():
            data = port.read(port.in_waiting or 1)
            for line in self.framer.feed(data) if data else ():
                text = self.normalise(line)
                if text is None:
                    self._counts["refused"] += 1
                    log.warning("reader %s: a line that is no code of this reader; dropped", self.name)
                    continue
                self._counts["codes"] += 1
                try:
                    on_code(ReaderCode(text, self.name, self.code_type))
                except Exception:
                    log.exception("reader %s: code handler failed", self.name)
