"""Builds each device from its config section's ``type``: the one place a real driver or
its simulated twin is chosen. Logic elsewhere only sees the interfaces.

The config sections are passed in duck-typed (this package does not import the kiosk).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, TypeVar

from drivers.absent import AbsentCamera, AbsentDecoder, AbsentReader, AbsentRelay, AbsentThermometer
from drivers.camera import Camera, OpenCVCamera
from drivers.decoder import Decoder, PyzbarDecoder
from drivers.reader import CARD, CodeReader
from drivers.relay import GpioRelay, NoRelay, Relay
from drivers.thermometer import NoThermometer, SerialThermometer, Thermometer, build_protocol

log = logging.getLogger(__name__)
T = TypeVar("T")


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
    absent: dict[str, str] = field(default_factory=dict)      # config key -> why it could not be built

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
    # The card number formats are the contract's (sync/); the reader's section applies its own.
    return {"code_type": CARD, "normalise": r.card_number}


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
    """Every configured device. One that fails to build is logged, naming its config key,
    and stands in as absent with the reason, so the kiosk comes up without it."""
    cache: dict = {}
    absent: dict[str, str] = {}
    decoder = _guarded(absent, "decoder", cfg.decoder.type, lambda: DECODERS[cfg.decoder.type](cfg, cache), None)
    if decoder is None:
        # A camera whose frames nobody can read is no camera at all.
        camera: Camera = AbsentCamera(f"no code decoder: {absent['decoder']}")
        decoder = AbsentDecoder()
    else:
        camera = _guarded(absent, "camera", cfg.camera.type, lambda: CAMERAS[cfg.camera.type](cfg, cache),
                          AbsentCamera)
    devices = Devices(
        camera=camera,
        decoder=decoder,
        thermometer=_guarded(absent, "thermometer", cfg.thermometer.type,
                             lambda: THERMOMETERS[cfg.thermometer.type](cfg, cache), AbsentThermometer),
        relay=_guarded(absent, "relay", cfg.relay.type, lambda: RELAYS[cfg.relay.type](cfg, cache), AbsentRelay),
    )
    devices.readers = [_guarded(absent, f"reader.{r.name}", r.type, lambda r=r: READERS[r.type](cfg, r, cache),
                                lambda reason, r=r: AbsentReader(r.name, reason)) for r in cfg.reader]
    devices.absent = absent
    devices.sim_parts = cache.get("sim_parts", [])
    devices.sim_world = cache.get("world")          # type: ignore[attr-defined]
    devices.thermometer_sim = cache.get("thermometer_sim")  # type: ignore[attr-defined]
    devices.reader_sims = cache.get("reader_sims", {})      # type: ignore[attr-defined]
    return devices


def _guarded(absent: dict[str, str], key: str, kind: str, build: Callable[[], T],
             stand_in: Callable[[str], T] | None) -> T | None:
    """``build()``, or, when it raises, ``stand_in(reason)`` with the failure logged and
    kept in ``absent`` under the config key."""
    try:
        return build()
    except Exception as exc:  # noqa: BLE001 - any failure of one device must not stop the kiosk
        reason = str(exc) or type(exc).__name__
        absent[key] = reason
        where = f"[[reader]] name = {key.split('.', 1)[1]!r}" if key.startswith("reader.") else f"[{key}]"
        log.error("%s (type = %r) could not be built; the kiosk runs without it: %s", where, kind, reason,
                  exc_info=exc)
        return stand_in(reason) if stand_in else None
