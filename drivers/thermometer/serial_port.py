"""The serial transport: one port, one protocol, one thread; it never gives up on the device.

pyserial reads with a short timeout, so a silent device never blocks the thread. When the
port vanishes (USB cable pulled) the error is logged once, the state turns ABSENT, and the
port is reopened by its configured path with growing back-off (0.2 s doubling to 2 s: an
attempt on a missing path costs nothing, and a person may be waiting at the gate); a
stable path such as /dev/serial/by-id/... finds the device again under whatever ttyUSBn
it comes back as. The back-off starts afresh only once a reading has come through, so a
loose contact that opens and drops again is neither hammered nor logged at each contact.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from drivers.serialport import open_port, state_after_failed_open
from drivers.state import DeviceState
from drivers.thermometer.base import Reading, Thermometer
from drivers.thermometer.protocols import WireProtocol, build

log = logging.getLogger(__name__)


class SerialThermometer(Thermometer):
    def __init__(self, port: str, protocol: WireProtocol | str = "gy-mcu90614", baudrate: int = 9600, *,
                 poll_hz: float = 10.0, read_timeout_s: float = 0.05, stale_after_s: float = 2.0,
                 reopen_after_s: float = 10.0, backoff_s: tuple[float, float] = (0.2, 2.0)) -> None:
        self.port = port
        self.protocol = build(protocol) if isinstance(protocol, str) else protocol
        self.baudrate, self.poll_hz, self.read_timeout_s = baudrate, poll_hz, read_timeout_s
        self.stale_after_s, self.reopen_after_s, self.backoff_s = stale_after_s, reopen_after_s, backoff_s
        self.state = DeviceState.STARTING
        self.last_reading_t: float | None = None
        self._totals = {"frames": 0, "bad_frames": 0, "skipped_bytes": 0, "opens": 0, "failed_opens": 0,
                        "losses": 0}
        self._parser = None
        self._stats_lock = threading.Lock()
        self._silent_spell = False
        self._troubled = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- public -------------------------------------------------------------------------

    def start(self, on_reading: Callable[[Reading], None]) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(on_reading,), name="thermometer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=3)

    def stats(self) -> dict:
        """Counters since start: good frames, bad frames (checksum), skipped bytes, opens,
        failed open attempts, losses."""
        with self._stats_lock:
            out = dict(self._totals)
            if self._parser is not None:
                for k, v in self._parser.stats.as_dict().items():
                    out[k] += v
        return out

    # -- the thread ---------------------------------------------------------------------

    def _open(self):
        return open_port(self.port, baudrate=self.baudrate, timeout=self.read_timeout_s, write_timeout=0.5)

    def _run(self, on_reading) -> None:
        import serial

        backoff = self.backoff_s[0]
        while not self._stop.is_set():
            try:
                port = self._open()
            except (serial.SerialException, OSError, ValueError) as exc:
                self.state = state_after_failed_open(self.port)
                self._totals["failed_opens"] += 1
                self._trouble(logging.WARNING, "thermometer %s: %s; retrying with back-off", self.port, exc)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.backoff_s[1])
                continue
            self._totals["opens"] += 1
            read_before = self.last_reading_t
            try:
                self._session(port, on_reading)
            except (serial.SerialException, OSError) as exc:
                self.state = DeviceState.ABSENT
                self._totals["losses"] += 1
                self._trouble(logging.WARNING, "thermometer %s lost: %s", self.port, exc)
            except Exception:   # a bug here must not leave the gate without a thermometer for good
                self.state = DeviceState.ERROR
                log.exception("thermometer %s: unexpected failure; reopening", self.port)
                self._troubled = True
            finally:
                self._retire_parser()
                try:
                    port.close()
                except Exception:
                    pass
            if self.last_reading_t != read_before and self.state != DeviceState.ERROR:
                backoff = self.backoff_s[0]      # it worked: a new loss starts the back-off afresh
            else:
                # Open, then gone before a single reading (a loose contact, a device that drops
                # when opened): wait as for a missing port rather than hammer it.
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.backoff_s[1])

    def _trouble(self, level: int, msg: str, *args) -> None:
        """Logged once per spell of trouble; a spell ends with the next good reading, so a
        loose contact making and breaking does not fill the log."""
        log.log(logging.DEBUG if self._troubled else level, msg, *args)
        self._troubled = True

    def _retire_parser(self) -> None:
        with self._stats_lock:
            if self._parser is not None:
                for k, v in self._parser.stats.as_dict().items():
                    self._totals[k] += v
                self._parser = None

    def _session(self, port, on_reading) -> None:
        proto = self.protocol
        self._parser = parser = proto.parser()
        poll = proto.poll_command()
        period = 1.0 / self.poll_hz
        opened = time.monotonic()
        last_good = last_bytes = last_start = opened
        last_bad_t = 0.0
        bad_seen = 0
        next_poll, awaiting, last_poll = opened, False, 0.0
        parser.opened(time.monotonic())
        if start := proto.start_command():
            port.write(start)
        if self.state != DeviceState.OK:
            self.state = DeviceState.STARTING
        while not self._stop.is_set():
            now = time.monotonic()
            if poll is not None and now >= next_poll:
                port.write(poll)
                last_poll, awaiting = now, True
                # No answer: ask again once the reply is overdue, never faster than the poll rate.
                next_poll = now + max(period, proto.reply_timeout_s)
            data = port.read(port.in_waiting or 1)
            now = time.monotonic()
            readings = parser.feed(data, now) if data else []
            if data:
                last_bytes = now
            answered = bool(readings)
            if parser.stats.bad_frames != bad_seen:
                bad_seen, last_bad_t, answered = parser.stats.bad_frames, now, True
            for reading in readings:
                last_good = now
                self._silent_spell = False
                if self._troubled:
                    log.info("thermometer %s is back", self.port)
                    self._troubled = False
                self.last_reading_t = now
                self.state = DeviceState.OK
                try:
                    on_reading(reading)
                except Exception:
                    log.exception("thermometer reading handler failed")
            if answered and awaiting:
                # A garbled answer is still an answer: ask again at the normal rate.
                awaiting = False
                next_poll = last_poll + period
            silent = now - last_good
            if silent > self.stale_after_s:
                # Only bad frames lately: the device is there but its data cannot be trusted.
                bad_lately = now - last_bad_t < self.stale_after_s
                self.state = DeviceState.ERROR if bad_lately else DeviceState.STALE
                if poll is None and proto.start_command() and now - max(last_bytes, last_start) > self.stale_after_s:
                    # A module power-cycled behind the adapter may wait to be told to stream again.
                    port.write(proto.start_command())
                    last_start = now
            if silent > self.reopen_after_s:
                # Said once per silent spell; a module left unpowered would otherwise fill the log.
                log.log(logging.DEBUG if self._silent_spell else logging.WARNING,
                        "thermometer %s: nothing readable for %.0f s; reopening", self.port, silent)
                self._silent_spell = True
                return
