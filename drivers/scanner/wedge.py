"""Keyboard-wedge readers: scanners and card readers in USB HID keyboard mode.

Two event sources feed the same translation (drivers/scanner/keymap.py):

- ``EvdevReader``: the device itself through python-evdev (Linux only, imported here
  alone). It grabs the device exclusively, so its keystrokes never reach the
  touchscreen's browser. Give the stable ``/dev/input/by-id/usb-...-event-kbd`` path;
  the kiosk's user must be in the ``input`` group to open it.
- ``EventStreamReader``: raw ``struct input_event`` records, the bytes a
  /dev/input/event* device gives (``cat /dev/input/event3 > card.events`` records one),
  from a file (replayed once) or a FIFO (read as long as the kiosk runs). The simulated
  wedge writes such records into a FIFO.

Both reopen their path with back-off when it vanishes (a reader unplugged).
"""

from __future__ import annotations

import logging
import os
import select
import stat
import struct
from typing import Callable, Iterable

from drivers.reader import ReaderCode, ThreadedReader
from drivers.scanner.keymap import KeyTranslator
from drivers.state import DeviceState

log = logging.getLogger(__name__)

#: struct input_event as this machine's kernel writes it: timeval (two longs), type, code, value.
EVENT = struct.Struct("llHHi")
EV_KEY = 1


def pack_events(keys: Iterable[tuple[int, int]]) -> bytes:
    """Key events as a device would deliver them, each followed by its SYN report."""
    return b"".join(EVENT.pack(0, 0, EV_KEY, code, value) + EVENT.pack(0, 0, 0, 0, 0) for code, value in keys)


class _WedgeReader(ThreadedReader):
    """The thread, the back-off and the translation; subclasses open and read a source."""

    def __init__(self, name: str, path: str, *, code_type: str = "KEYBOARD",
                 normalise: Callable[[str], str | None] = lambda text: text,
                 backoff_s: tuple[float, float] = (0.2, 2.0)) -> None:
        super().__init__(name)
        self.path, self.code_type, self.normalise = path, code_type, normalise
        self.backoff_s = backoff_s
        self.translator = KeyTranslator()
        self._counts = {"codes": 0, "refused": 0, "opens": 0, "failed_opens": 0, "losses": 0}

    def stats(self) -> dict:
        return {**self._counts, "dropped_keys": self.translator.dropped}

    def _run(self, on_code) -> None:
        backoff = self.backoff_s[0]
        while not self._stop.is_set():
            try:
                source = self._open()
            except OSError as exc:
                self.state = DeviceState.ERROR if os.path.exists(self.path) else DeviceState.ABSENT
                self._counts["failed_opens"] += 1
                log.log(logging.WARNING if self._counts["failed_opens"] == 1 else logging.DEBUG,
                        "reader %s: %s: %s; retrying with back-off", self.name, self.path, exc)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.backoff_s[1])
                continue
            self._counts["opens"] += 1
            self.state, backoff = DeviceState.OK, self.backoff_s[0]
            self.translator = KeyTranslator()       # a half-typed line from before is gone
            try:
                self._session(source, on_code)
            except OSError as exc:
                self.state = DeviceState.ABSENT
                self._counts["losses"] += 1
                log.warning("reader %s: %s lost: %s", self.name, self.path, exc)
            finally:
                self._close(source)

    def _session(self, source, on_code) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([source], [], [], 0.2)
            if not ready:
                continue
            keys = self._read(source)
            if keys is None:            # the end of a recording: nothing more will come
                self._stop.wait()
                return
            for code, value in keys:
                line = self.translator.feed(code, value)
                if line is not None:
                    self._deliver(line, on_code)

    def _deliver(self, line: str, on_code) -> None:
        text = self.normalise(line)
        if text is None:
            self._counts["refused"] += 1
            log.warning("reader %s: %d characters that are not a code of this reader; dropped", self.name, len(line))
            return
        self._counts["codes"] += 1
        try:
            on_code(ReaderCode(text, self.name, self.code_type))
        except Exception:
            log.exception("reader %s: code handler failed", self.name)

    def _open(self):
        raise NotImplementedError

    def _read(self, source) -> list[tuple[int, int]] | None:
        raise NotImplementedError

    def _close(self, source) -> None:
        raise NotImplementedError


class EventStreamReader(_WedgeReader):
    """Recorded or simulated input events from a file or FIFO."""

    def _open(self) -> int:
        fifo = stat.S_ISFIFO(os.stat(self.path).st_mode)
        # A FIFO opened read-write never reads as ended when a writer closes it.
        fd = os.open(self.path, (os.O_RDWR if fifo else os.O_RDONLY) | os.O_NONBLOCK)
        self._buf = b""
        return fd

    def _read(self, fd: int) -> list[tuple[int, int]] | None:
        data = os.read(fd, EVENT.size * 256)
        if not data:
            return None
        self._buf += data
        n = len(self._buf) // EVENT.size * EVENT.size
        records, self._buf = self._buf[:n], self._buf[n:]
        return [(code, value) for _, _, kind, code, value in EVENT.iter_unpack(records) if kind == EV_KEY]

    def _close(self, fd: int) -> None:
        os.close(fd)


class EvdevReader(_WedgeReader):
    """A wedge device through python-evdev, grabbed for this kiosk alone."""

    def _open(self):
        try:
            import evdev
        except ImportError:
            raise OSError("python-evdev is not installed: pip install '.[keyboard]' (Linux only)") from None
        try:
            device = evdev.InputDevice(self.path)
        except PermissionError:
            raise PermissionError(f"no permission to read {self.path}: add the kiosk's user to the 'input' "
                                  "group") from None
        try:
            device.grab()
        except OSError:
            device.close()
            raise OSError(f"cannot grab {self.path} for this kiosk alone: another program holds it") from None
        return device

    def _read(self, device) -> list[tuple[int, int]]:
        try:
            return [(e.code, e.value) for e in device.read() if e.type == EV_KEY]
        except BlockingIOError:
            return []

    def _close(self, device) -> None:
        try:
            device.ungrab()
        except OSError:
            pass
        device.close()
