"""A thermometer simulated behind a pty: the far end speaks a protocol's real bytes.

The kiosk opens the pty's slave side with the real serial driver, so the real transport
and parser run unchanged. The far end plays the scenario (who stands in front, how warm)
and misbehaves on request: ``faults`` may hold

    silence        nothing is sent and nothing answered
    garbage        random bytes before every frame
    bad_checksum   every frame corrupted (checksum or CRC wrong; text unreadable)
    split          every frame written in two pieces with a pause between
    noisy          the person's reading jumps by up to 1 deg C from sample to sample

and ``unplug()`` / ``replug()`` make the port vanish and come back as a new pty behind
the same stable path (a symlink, as udev keeps /dev/serial/by-id/... for a USB device);
``power_cycle()`` restarts the module behind a port that stays, in its stored power-up
mode (a GY module set to stay quiet waits to be told to stream again).
"""

from __future__ import annotations

import logging
import os
import random
import select
import tempfile
import threading
import time
import tty
from pathlib import Path

from drivers.sim.scenario import Scenario
from drivers.thermometer.protocols import WireProtocol, build
from drivers.thermometer.protocols import ascii_line, gy_mcu90614 as gy, modbus_rtu as mb
from drivers.thermometer.protocols.base import FrameError

log = logging.getLogger(__name__)

AMBIENT_C = 25.0
FAULTS = frozenset({"silence", "garbage", "bad_checksum", "split", "noisy"})


# -- the devices: what each protocol's module says, and how it answers -------------------

class _GYDevice:
    def __init__(self, autostart: bool = True) -> None:
        self.streaming = autostart      # the module's stored power-up setting
        self._buf = bytearray()

    def tick(self, obj: float, amb: float) -> list[bytes]:
        return [gy.encode(obj, amb)] if self.streaming else []

    def receive(self, data: bytes, obj: float, amb: float) -> list[bytes]:
        self._buf += data
        out = []
        while len(self._buf) >= 3:
            i = self._buf.find(b"\xa5")
            if i < 0:
                self._buf.clear()
                break
            del self._buf[:i]
            if len(self._buf) < 3:
                break
            code = gy.command_code(bytes(self._buf[:3]))
            if code is None:
                del self._buf[:1]
                continue
            del self._buf[:3]
            if code == 0x45:
                self.streaming = True
            elif code == 0x15:
                out.append(gy.encode(obj, amb))
        return out

    @staticmethod
    def corrupt(frame: bytes) -> bytes:
        return frame[:-1] + bytes([(frame[-1] + 1) & 0xFF])


class _ModbusDevice:
    def __init__(self, proto: mb.ModbusRTU) -> None:
        self.proto = proto
        self._buf = bytearray()

    def tick(self, obj: float, amb: float) -> list[bytes]:
        return []

    def registers(self, obj: float, amb: float) -> dict[int, int]:
        p = self.proto
        regs = {p.object_register: round(obj / p.scale)}
        if p.ambient_register is not None:
            regs[p.ambient_register] = round(amb / p.scale)
        return regs

    def receive(self, data: bytes, obj: float, amb: float) -> list[bytes]:
        self._buf += data
        out = []
        while len(self._buf) >= 8:
            try:
                unit, function, start, count = mb.parse_request(bytes(self._buf[:8]))
            except FrameError:
                del self._buf[:1]
                continue
            del self._buf[:8]
            if unit != self.proto.unit:
                continue            # another device on the bus is asked: stay quiet
            if function not in (mb.READ_HOLDING, mb.READ_INPUT):
                out.append(mb.encode_exception(unit, function, 0x01))
                continue
            regs = self.registers(obj, amb)
            out.append(mb.encode_response(unit, function, [regs.get(start + i, 0) for i in range(count)]))
        return out

    @staticmethod
    def corrupt(frame: bytes) -> bytes:
        return frame[:-1] + bytes([frame[-1] ^ 0x5A])


class _AsciiDevice:
    def __init__(self, style: str = "T:{object:.2f}") -> None:
        self.style = style

    def tick(self, obj: float, amb: float) -> list[bytes]:
        return [ascii_line.encode(obj, amb, self.style)]

    def receive(self, data: bytes, obj: float, amb: float) -> list[bytes]:
        return []

    @staticmethod
    def corrupt(frame: bytes) -> bytes:
        return frame.replace(b".", b"?", 1)


def _device_for(proto: WireProtocol, gy_autostart: bool, ascii_style: str):
    if isinstance(proto, mb.ModbusRTU):
        return _ModbusDevice(proto)
    if isinstance(proto, ascii_line.AsciiLine):
        return _AsciiDevice(ascii_style)
    return _GYDevice(gy_autostart)


# -- the pty and its thread -------------------------------------------------------------

class PtyThermometerSim:
    def __init__(self, scenario: Scenario | None = None, t0: float | None = None,
                 protocol: WireProtocol | str = "gy-mcu90614", rate_hz: float = 10.0, loop: bool = False,
                 skin_offset_c: float = 0.0, seed: int | None = None, link_path: str | Path | None = None,
                 gy_autostart: bool = True, ascii_style: str = "T:{object:.2f}") -> None:
        self.scenario, self.loop, self.rate_hz = scenario, loop, rate_hz
        self.t0 = time.monotonic() if t0 is None else t0
        self.skin_offset_c = skin_offset_c
        self.protocol = build(protocol) if isinstance(protocol, str) else protocol
        self._device_args = (gy_autostart, ascii_style)
        self.device = _device_for(self.protocol, *self._device_args)
        self.faults: set[str] = set()
        self.held_c: float | None = None      # a person held in front regardless of the scenario
        self.frames_sent = 0
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._own_dir = None
        if link_path is None:
            self._own_dir = tempfile.TemporaryDirectory(prefix="thermo-sim-")
            link_path = Path(self._own_dir.name) / "usb-thermometer"
        self.link = Path(link_path)
        self._master = self._slave = -1
        self._plug()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> str:
        """The stable path the kiosk should open (survives unplug/replug)."""
        return str(self.link)

    @property
    def plugged(self) -> bool:
        return self._master >= 0

    def _plug(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        # A full pty (nobody reading) must drop frames, as a real UART does, not block us.
        os.set_blocking(master, False)
        tmp = self.link.with_name(self.link.name + ".new")
        tmp.unlink(missing_ok=True)
        os.symlink(os.ttyname(slave), tmp)
        os.replace(tmp, self.link)          # atomic, as udev swaps its links
        self._master, self._slave = master, slave

    def unplug(self) -> None:
        """The cable is pulled: the tty goes away and so does its stable path."""
        with self._lock:
            if not self.plugged:
                return
            self.link.unlink(missing_ok=True)
            for fd in (self._master, self._slave):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self._master = self._slave = -1

    def replug(self) -> None:
        """The cable is back: a new tty, found again through the same stable path."""
        with self._lock:
            if not self.plugged:
                self._plug()

    def power_cycle(self) -> None:
        """The module loses power for a moment behind the adapter; the port stays open."""
        with self._lock:
            self.device = _device_for(self.protocol, *self._device_args)

    def hold(self, body_c: float | None) -> None:
        """Put a person with this body temperature in front (None: nobody), overriding the scenario."""
        self.held_c = body_c

    # -- what the sensor sees -----------------------------------------------------------

    def scene_time(self) -> float:
        t = time.monotonic() - self.t0
        if self.loop and self.scenario and self.scenario.duration_s > 0:
            t %= self.scenario.duration_s
        return t

    def object_temperature(self, t: float) -> float:
        body, noise = self.held_c, 0.05
        if body is None and self.scenario is not None:
            who = self.scenario.at(t)
            # A person is in range shortly after they step up, until they leave.
            if who is not None and who.temperature_c is not None and t >= who.at_s + 0.2:
                body = who.temperature_c
                noise = who.temperature_noise_c if who.temperature_noise_c is not None else noise
        if body is None:
            return AMBIENT_C + self._rng.uniform(-0.2, 0.2)
        if "noisy" in self.faults:
            noise = max(noise, 1.0)
        return body - self.skin_offset_c + self._rng.uniform(-noise, noise)

    # -- the thread ---------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sim-thermometer", daemon=True)
        self._thread.start()

    def _send(self, frames: list[bytes]) -> None:
        faults = self.faults
        for frame in frames:
            if "bad_checksum" in faults:
                frame = self.device.corrupt(frame)
            if "garbage" in faults:
                frame = bytes(self._rng.randrange(256) for _ in range(self._rng.randint(1, 12))) + frame
            if "split" in faults:
                cut = self._rng.randint(1, len(frame) - 1)
                os.write(self._master, frame[:cut])
                time.sleep(0.03)
                frame = frame[cut:]
            os.write(self._master, frame)
            self.frames_sent += 1

    def _run(self) -> None:
        period = 1.0 / self.rate_hz
        next_tick = time.monotonic()
        while not self._stop.is_set():
            with self._lock:
                master = self._master
            if master < 0:
                self._stop.wait(0.05)
                continue
            try:
                ready, _, _ = select.select([master], [], [], max(0.0, next_tick - time.monotonic()))
                obj = self.object_temperature(self.scene_time())
                with self._lock:
                    if self._master != master:
                        continue            # unplugged meanwhile
                    if ready:
                        data = os.read(master, 256)
                        replies = self.device.receive(data, obj, AMBIENT_C)
                        if "silence" not in self.faults:
                            self._send(replies)
                    if time.monotonic() >= next_tick:
                        next_tick += period
                        if next_tick < time.monotonic():
                            next_tick = time.monotonic() + period
                        if "silence" not in self.faults:
                            self._send(self.device.tick(obj, AMBIENT_C))
            except OSError:
                # The kiosk side closed or the pty is being replaced; carry on with the next one.
                self._stop.wait(0.05)

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
        self.unplug()
        if self._own_dir is not None:
            self._own_dir.cleanup()
