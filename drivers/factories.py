"""Builds each device from its config section's ``type``: the one place a real driver or
its simulated twin is chosen. Logic elsewhere only sees the interfaces.

The config sections are passed in duck-typed (this package does not import the kiosk).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from drivers.camera import Camera, OpenCVCamera
from drivers.decoder import Decoder, PyzbarDecoder
from drivers.reader import CARD, CodeReader
from drivers.relay import GpioRelay, NoRelay, Relay
from drivers.thermometer import NoThermometer, SerialThermometer, Thermometer, build_protocol


@dataclass
class SimWorld:
    """What the simulated devices share: one scenario on one clock."""

    scenario: Any
    t0: float = field(default_factory=time.monotonic)
    loop: bool = False


@dataclass
class Devices:
    camera: Camera
    decoder: Decoder
    thermometer: Thermometer
    relay: Relay
    sim_parts: list[Any] = field(default_factory=list)   # far ends to stop at shutdown
    readers: list[CodeReader] = field(default_factory=list)   # [[reader]] sections, in order

    def stop(self) -> None:
        self.camera.stop()
        for reader in self.readers:
            reader.stop()
        self.thermometer.stop()
        self.relay.close()
        for part in self.sim_parts:
            part.stop()


def _sim_world(cfg, cache: dict) -> SimWorld:
    if "world" not in cache:
        from drivers.sim.scenario import Scenario

        if cfg.sim.scenario is None:
            raise ValueError("[sim] scenario: a simulated device needs a scenario file")
        world = SimWorld(Scenario.load(Path(cfg.sim.scenario)), loop=cfg.sim.loop)
        if getattr(cfg.sim, "inbox", None) is not None:
            from drivers.sim.inbox import Inbox, LiveScenario

            world.scenario = LiveScenario(world.scenario, world.t0)
            inbox = Inbox(Path(cfg.sim.inbox), world.scenario)
            inbox.start()
            cache.setdefault("sim_parts", []).append(inbox)
        cache["world"] = world
    return cache["world"]


def _camera_opencv(cfg, cache) -> Camera:
    c = cfg.camera
    return OpenCVCamera(c.source, c.width, c.height, c.fps, stall_s=c.stall_s)


def _camera_sim(cfg, cache) -> Camera:
    from drivers.sim.camera import SimCamera

    w, c = _sim_world(cfg, cache), cfg.camera
    return SimCamera(w.scenario, w.t0, c.width, c.height, c.fps, loop=w.loop)


def _serial_thermometer(t, port: str) -> SerialThermometer:
    return SerialThermometer(port, build_protocol(t.protocol, t), t.baudrate,
                             poll_hz=t.poll_hz, stale_after_s=t.stale_after_s)


def _thermo_serial(cfg, cache) -> Thermometer:
    return _serial_thermometer(cfg.thermometer, cfg.thermometer.port)


def _thermo_sim(cfg, cache) -> Thermometer:
    from drivers.sim.thermometer import PtyThermometerSim

    w, t = _sim_world(cfg, cache), cfg.thermometer
    far_end = PtyThermometerSim(w.scenario, w.t0, protocol=build_protocol(t.protocol, t), loop=w.loop,
                                skin_offset_c=t.offset_c, gy_autostart=t.gy.mode == "continuous")
    far_end.start()
    cache.setdefault("sim_parts", []).append(far_end)
    cache["thermometer_sim"] = far_end
    # The real driver opens the simulator's stable path, as it would /dev/serial/by-id/...
    return _serial_thermometer(t, far_end.port)


def _relay_gpio(cfg, cache) -> Relay:
    return GpioRelay(cfg.relay.pin, active_high=cfg.relay.active_high)


def _relay_sim(cfg, cache) -> Relay:
    from drivers.sim.relay import SimRelay

    return SimRelay()


def _camera_replay(cfg, cache) -> Camera:
    from drivers.sim.camera import ReplayCamera

    return ReplayCamera(str(cfg.camera.source), cfg.camera.fps)


CAMERAS: dict[str, Callable[..., Camera]] = {"opencv": _camera_opencv, "sim": _camera_sim, "replay": _camera_replay}
def _decoder_cascade(cfg, cache) -> Decoder:
    from drivers.decoding import DEFAULT_STEPS, CascadeDecoder, FrameGate

    d = cfg.decoder
    return CascadeDecoder(tuple(d.steps or DEFAULT_STEPS), d.budget_ms, FrameGate() if d.skip_empty else None)


DECODERS: dict[str, Callable[..., Decoder]] = {
    "cascade": _decoder_cascade,
    "pyzbar": lambda cfg, cache: PyzbarDecoder(),
}
THERMOMETERS: dict[str, Callable[..., Thermometer]] = {
    "serial": _thermo_serial,
    "sim": _thermo_sim,
    "none": lambda cfg, cache: NoThermometer(),
}
RELAYS: dict[str, Callable[..., Relay]] = {
    "none": lambda cfg, cache: NoRelay(),
    "gpio": _relay_gpio,
    "sim": _relay_sim,
}


def _line_framer(r):
    from drivers.scanner.lines import TERMINATORS, LineFramer, framing_bytes

    return LineFramer(TERMINATORS[r.terminator], framing_bytes(r.prefix), framing_bytes(r.suffix))


def _reads(r) -> dict:
    """What a reader delivers: codes as they are, or card numbers in canonical form."""
    if r.reads != "cards":
        return {}
    from drivers.cards import CardFormatError, normalise

    def card(text: str) -> str | None:
        try:
            return normalise(text, r.card_format)
        except CardFormatError:
            return None
    return {"code_type": CARD, "normalise": card}


def _scenario_field(r) -> str:
    return "card" if r.reads == "cards" else "scanner"


def _reader_serial(cfg, r, cache) -> CodeReader:
    from drivers.scanner.serial_scanner import SerialScanner

    return SerialScanner(r.name, r.port, _line_framer(r), r.baudrate, **_reads(r))


def _reader_sim(cfg, r, cache) -> CodeReader:
    from drivers.scanner.lines import TERMINATORS, framing_bytes
    from drivers.scanner.serial_scanner import SerialScanner
    from drivers.sim.scanner import PtyScannerSim

    w = _sim_world(cfg, cache)
    far_end = PtyScannerSim(w.scenario, w.t0, terminator=TERMINATORS[r.terminator], prefix=framing_bytes(r.prefix),
                            suffix=framing_bytes(r.suffix), loop=w.loop, field=_scenario_field(r))
    far_end.start()
    cache.setdefault("sim_parts", []).append(far_end)
    cache.setdefault("reader_sims", {})[r.name] = far_end
    # The real serial reader opens the simulator's pty, as it would /dev/serial/by-id/...
    return SerialScanner(r.name, far_end.port, _line_framer(r), **_reads(r))


def _reader_evdev(cfg, r, cache) -> CodeReader:
    from drivers.scanner.wedge import EvdevReader

    return EvdevReader(r.name, r.device, **_reads(r))


def _reader_evdev_replay(cfg, r, cache) -> CodeReader:
    from drivers.scanner.wedge import EventStreamReader

    return EventStreamReader(r.name, str(r.source), **_reads(r))


def _reader_evdev_sim(cfg, r, cache) -> CodeReader:
    from drivers.scanner.wedge import EventStreamReader
    from drivers.sim.wedge import FifoWedgeSim

    w = _sim_world(cfg, cache)
    far_end = FifoWedgeSim(w.scenario, w.t0, field=_scenario_field(r), loop=w.loop)
    far_end.start()
    cache.setdefault("sim_parts", []).append(far_end)
    cache.setdefault("reader_sims", {})[r.name] = far_end
    # The same event-stream reader a recording is played through reads the simulator's FIFO.
    return EventStreamReader(r.name, far_end.path, **_reads(r))


def _reader_idcard(cfg, r, cache) -> CodeReader:
    from drivers.idcard.reader import IdCardReader
    from drivers.idcard.sdk import SDKS

    # The vendor library is loaded by the reader's thread, only when it starts.
    return IdCardReader(r.name, lambda: SDKS[r.sdk](str(r.library), r.port), poll_s=r.poll_s)


def _reader_idcard_sim(cfg, r, cache) -> CodeReader:
    from drivers.idcard.reader import IdCardReader
    from drivers.sim.idcard import ScenarioIdCardSdk

    w = _sim_world(cfg, cache)
    return IdCardReader(r.name, lambda: ScenarioIdCardSdk(w.scenario, w.t0, w.loop))


#: Factories for [[reader]] sections: (cfg, section, cache) -> CodeReader.
READERS: dict[str, Callable[..., CodeReader]] = {
    "serial": _reader_serial,
    "sim": _reader_sim,
    "evdev": _reader_evdev,
    "evdev-replay": _reader_evdev_replay,
    "evdev-sim": _reader_evdev_sim,
    "idcard": _reader_idcard,
    "idcard-sim": _reader_idcard_sim,
}


def build_devices(cfg) -> Devices:
    cache: dict = {}
    devices = Devices(
        camera=CAMERAS[cfg.camera.type](cfg, cache),
        decoder=DECODERS[cfg.decoder.type](cfg, cache),
        thermometer=THERMOMETERS[cfg.thermometer.type](cfg, cache),
        relay=RELAYS[cfg.relay.type](cfg, cache),
    )
    devices.readers = [READERS[r.type](cfg, r, cache) for r in cfg.reader]
    devices.sim_parts = cache.get("sim_parts", [])
    devices.sim_world = cache.get("world")          # type: ignore[attr-defined]
    devices.thermometer_sim = cache.get("thermometer_sim")  # type: ignore[attr-defined]
    devices.reader_sims = cache.get("reader_sims", {})      # type: ignore[attr-defined]
    return devices
