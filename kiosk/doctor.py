"""`kiosk doctor`: checks each part of an installed kiosk and says, in plain words, what
works, what does not and what to do about it.

Each check is a small function from the config to a ``Check``. A check that fails
(``fail``) means the gate cannot work as configured, and the command exits non-zero; a
warning (``warn``) means it works but someone should look. The devices are built by the
same registry as the running kiosk's, so the doctor sees what the kiosk would see —
and runs against the simulated drivers too. Stop the kiosk service first: a camera or
serial port held by it cannot be opened twice.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Literal

from sync import clocksync
from sync.configfile import ConfigError

Status = Literal["ok", "warn", "fail", "skip"]
REGISTRY_OLD_S = 7 * 24 * 3600   # a week without a push: revocations may be missing
SCAN_FPS_BUDGET = 15.0           # DESIGN.md: the camera never drops below 15 fps of scanning
PROBE_TEXT = "KIOSK-DOCTOR-1"
PROBE_CARDS = {"hex10": "12026F6C3A", "hex8": "026F6C3A", "dec10": "0040856634", "dec8": "07302202",
               "wiegand26": "111,27706"}


@dataclasses.dataclass
class Check:
    name: str
    status: Status
    summary: str
    hint: str = ""
    figures: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Context:
    """What the checks share: the config, and the devices' common build cache (the
    simulated camera and thermometer play one scenario)."""

    cfg: Any
    seconds: float = 2.0
    pulse_relay: bool = False
    cache: dict = dataclasses.field(default_factory=dict)


# -- the checks ---------------------------------------------------------------------------

def check_config(path: str | Path) -> tuple[Any, Check]:
    from kiosk import config

    try:
        cfg = config.load(path)
    except ConfigError as exc:
        return None, Check("config", "fail", str(exc), "fix the key named above; every key is described "
                                                      "in config/kiosk.toml")
    except OSError as exc:
        return None, Check("config", "fail", f"cannot read {path}: {exc.strerror or exc}")
    k = cfg.kiosk
    return cfg, Check("config", "ok", f"{path} is valid: site {k.site}, gate {k.gate}, direction {k.direction}")


def check_camera(ctx: Context) -> Check:
    from drivers.factories import CAMERAS

    c = ctx.cfg.camera
    where = "the simulated camera" if c.type == "sim" else f"camera {c.source!r}"
    try:
        cam = CAMERAS[c.type](ctx.cfg, ctx.cache)
        cam.start()
    except Exception as exc:  # noqa: BLE001 - any failure to open is the answer
        return Check("camera", "fail", f"cannot open {where}: {exc}", _camera_hint(c))
    try:
        frames, shape = 0, None
        first = cam.read(timeout=max(3.0, ctx.seconds))
        if first is None:
            wait = max(3.0, ctx.seconds)
            said = f"cannot open {where}" if cam.state.value == "absent" else \
                f"{where} opened, but sent no frame within {wait:.0f} s"
            return Check("camera", "fail", said, _camera_hint(c))
        shape = first[1].shape
        t0 = time.monotonic()
        while time.monotonic() - t0 < ctx.seconds:
            if cam.read(timeout=1.0) is not None:
                frames += 1
        fps = frames / (time.monotonic() - t0)
        ctx.cache["doctor_frame"] = first[1]
    finally:
        cam.stop()
    size = f"{shape[1]}x{shape[0]}"
    figures = {"fps": round(fps, 1), "size": size}
    floor = min(SCAN_FPS_BUDGET, c.fps) * 0.9
    if fps < floor:
        return Check("camera", "warn", f"{where} delivers {fps:.1f} fps at {size}; scanning wants at least "
                                       f"{min(SCAN_FPS_BUDGET, c.fps):.0f}",
                     "lower [camera] width/height, improve the lighting (long exposures slow "
                     "cameras down) or use a USB 2 port of its own", figures)
    return Check("camera", "ok", f"{where} delivers {fps:.1f} fps at {size} (asked for {c.fps:g})", figures=figures)


def _camera_hint(c) -> str:
    if c.type == "sim":
        return "[sim] scenario must name a readable scenario file"
    return ("is it plugged in and seen by the system (`ls /dev/video*`, `v4l2-ctl --list-devices`)? "
            "Is the kiosk service still running and holding it (`systemctl stop kiosk`)? "
            "The kiosk's user must be in the 'video' group.")


def check_decoder(ctx: Context) -> Check:
    import cv2
    import numpy as np
    import segno

    from drivers.factories import DECODERS

    buf = io.BytesIO()
    segno.make_qr(PROBE_TEXT, error="m").save(buf, kind="png", scale=6, border=4)
    qr = cv2.imdecode(np.frombuffer(buf.getvalue(), np.uint8), cv2.IMREAD_GRAYSCALE)
    h, w = ctx.cfg.camera.height, ctx.cfg.camera.width
    frame = np.full((h, w), 255, np.uint8)
    qh, qw = min(qr.shape[0], h), min(qr.shape[1], w)
    frame[:qh, :qw] = qr[:qh, :qw]
    try:
        decoder = DECODERS[ctx.cfg.decoder.type](ctx.cfg, ctx.cache)
    except Exception as exc:  # noqa: BLE001 - a missing native library shows up here
        return Check("decoder", "fail", f"the {ctx.cfg.decoder.type} decoder cannot start: {exc}",
                     "install the zbar library: `sudo apt install libzbar0`")
    texts, ms = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        texts = [c.text for c in decoder.decode(frame)]
        ms.append((time.perf_counter() - t0) * 1000)
        if PROBE_TEXT in texts:
            break
    if PROBE_TEXT not in texts:
        return Check("decoder", "fail", f"the {ctx.cfg.decoder.type} decoder did not read a clean test QR code "
                                        f"(read: {texts or 'nothing'})", "reinstall the kiosk (`make setup`)")
    figures = {"decode_ms": round(min(ms), 1)}
    budget = ctx.cfg.decoder.budget_ms
    if min(ms) > budget:
        return Check("decoder", "warn", f"a test QR code decodes, but takes {min(ms):.0f} ms, over the "
                                        f"{budget:g} ms budget", "lower the camera resolution", figures)
    return Check("decoder", "ok", f"a test QR code decodes with {ctx.cfg.decoder.type} in {min(ms):.1f} ms",
                 figures=figures)


def check_thermometer(ctx: Context) -> Check:
    from drivers.factories import THERMOMETERS

    t = ctx.cfg.thermometer
    if t.type == "none":
        return Check("thermometer", "skip", "no thermometer configured: entries are decided without a temperature")
    port = "the simulator's pty" if t.type == "sim" else t.port
    if t.type == "serial" and "://" not in t.port and not os.path.exists(t.port):
        return Check("thermometer", "fail", f"serial port {t.port} does not exist",
                     "is the thermometer plugged in? List ports with `ls -l /dev/serial/by-id/`, and "
                     "use that stable path, or the udev rule's /dev/thermometer (config/udev/99-thermometer.rules)")
    readings: list = []
    try:
        thermo = THERMOMETERS[t.type](ctx.cfg, ctx.cache)
        thermo.start(readings.append)
    except Exception as exc:  # noqa: BLE001
        return Check("thermometer", "fail", f"cannot start the thermometer on {port}: {exc}")
    wait = max(3.0, 3 / t.poll_hz, ctx.seconds)
    try:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and len(readings) < 3:
            time.sleep(0.05)
        state = thermo.state.value
        stats = thermo.stats() if hasattr(thermo, "stats") else {}
    finally:
        thermo.stop()
    if readings:
        r = readings[-1]
        ambient = f", ambient {r.ambient_c:.1f} °C" if r.ambient_c is not None else ""
        return Check("thermometer", "ok", f"answers on {port} with {t.protocol} at {t.baudrate} baud: "
                                          f"{r.object_c:.1f} °C{ambient}",
                     figures={"readings": len(readings)})
    if state in ("absent", "error") and not stats.get("opens"):
        return Check("thermometer", "fail", f"cannot open serial port {t.port}",
                     "the kiosk's user must be in the 'dialout' group, and no other program "
                     "(the kiosk service, a serial console) may hold the port")
    bad = stats.get("bad_frames", 0) + stats.get("skipped_bytes", 0)
    if bad:
        return Check("thermometer", "fail", f"{port} sends bytes, but no valid {t.protocol} frame in {wait:.0f} s "
                                            f"({stats.get('bad_frames', 0)} bad frames, {stats.get('skipped_bytes', 0)} "
                                            "bytes skipped)",
                     f"check [thermometer] protocol and baudrate ({t.baudrate}) against the module's manual")
    return Check("thermometer", "fail", f"{port} opened, but the thermometer said nothing in {wait:.0f} s "
                                        f"(protocol {t.protocol}, {t.baudrate} baud)",
                 "check the wiring (TX to RX), the power, and the protocol and baud rate in the config")


def check_relay(ctx: Context) -> Check:
    from drivers.factories import RELAYS

    r = ctx.cfg.relay
    if r.type == "none":
        return Check("relay", "skip", "no gate relay fitted: volunteers open the gate by hand")
    where = "the simulated relay" if r.type == "sim" else f"GPIO pin {r.pin} (BCM)"
    try:
        relay = RELAYS[r.type](ctx.cfg, ctx.cache)
    except Exception as exc:  # noqa: BLE001 - gpiozero's errors say what is missing
        return Check("relay", "fail", f"cannot drive {where}: {exc}",
                     "install gpiozero (`sudo apt install python3-gpiozero`) and add the kiosk's "
                     "user to the 'gpio' group")
    try:
        if ctx.pulse_relay:
            relay.pulse(min(r.pulse_ms, 500))
            time.sleep(min(r.pulse_ms, 500) / 1000 + 0.1)
            return Check("relay", "ok", f"{where} pulsed for {min(r.pulse_ms, 500)} ms: did the lock click?")
        return Check("relay", "ok", f"{where} is ready (not pulsed; add --pulse-relay to click it once)")
    finally:
        relay.close()


def check_broker(ctx: Context) -> Check:
    from sync.link import Endpoint, Link, LinkState

    m = ctx.cfg.mqtt
    if not m.enabled:
        return Check("broker", "skip", "sync is off ([mqtt] enabled = false): entries stay on this kiosk")
    target = f"{m.host}:{m.port}"
    if m.ca_file is not None and not Path(m.ca_file).is_file():
        return Check("broker", "fail", f"the CA certificate {m.ca_file} does not exist",
                     "copy the community server's CA certificate there, or fix [mqtt] ca_file")
    k = ctx.cfg.kiosk
    try:
        link = Link(Endpoint.from_section(m), client_id=f"kiosk-{k.site}-{k.gate}-doctor", name="doctor")
    except Exception as exc:  # noqa: BLE001 - e.g. an unreadable certificate
        return Check("broker", "fail", f"cannot set up the connection to {target}: {exc}")
    link.start()
    try:
        deadline = time.monotonic() + max(5.0, ctx.seconds)
        while time.monotonic() < deadline and link.state not in (
                LinkState.CONNECTED, LinkState.AUTH_FAILED, LinkState.TLS_FAILED, LinkState.UNREACHABLE):
            time.sleep(0.05)
        state, error = link.state, link.last_error
    finally:
        link.stop()
    tls = "TLS" if m.ca_file else "no TLS"
    who = f"as {m.username}" if m.username else "without a user name"
    if state == LinkState.CONNECTED:
        if not m.ca_file and m.host not in ("127.0.0.1", "localhost", "::1"):
            return Check("broker", "warn", f"connected to {target} {who}, but without TLS: the password and "
                                           "entries cross the network in clear", "set [mqtt] ca_file")
        return Check("broker", "ok", f"connected to {target} ({tls}) {who}")
    hints = {
        LinkState.AUTH_FAILED: "check [mqtt] username and password against the broker's password file",
        LinkState.TLS_FAILED: "the broker's certificate must be signed by [mqtt] ca_file and name the host "
                              f"{m.host}; check the clock too (a wrong date fails every certificate)",
    }
    return Check("broker", "fail", f"cannot connect to {target} ({tls}) {who}: {error or state.value}",
                 hints.get(state, "is the community server up and reachable from here (port open in the firewall)?"))


def check_clock(ctx: Context) -> Check:
    synced = clocksync.is_synchronised()
    if synced:
        return Check("clock", "ok", "the clock is synchronised by NTP")
    return Check("clock", "warn", "the clock is not synchronised: entries are flagged, and the server "
                                  "corrects their times once it is",
                 "a Pi has no clock battery; it needs NTP: `timedatectl timesync-status`, "
                 "and a network that lets NTP (UDP 123) out")


def check_disk(ctx: Context) -> Check:
    from kiosk.freespace import level_for

    state_dir = Path(ctx.cfg.kiosk.state_dir)
    if not state_dir.exists():
        parent = next(p for p in state_dir.parents if p.exists())
        mb = shutil.disk_usage(parent).free / 2**20
        return Check("disk", "warn", f"the state directory {state_dir} does not exist yet ({mb:,.0f} MB free "
                                     "on its disk)",
                     "systemd makes it when the kiosk service starts; to run the kiosk by hand first: "
                     f"sudo install -d -o kiosk -g kiosk -m 700 {state_dir}", {"free_mb": round(mb)})
    try:
        with tempfile.NamedTemporaryFile(dir=state_dir, prefix=".doctor-"):
            pass
    except OSError as exc:
        return Check("disk", "fail", f"cannot write in {state_dir}: {exc.strerror or exc}",
                     "the kiosk's user must own its state directory (systemd's StateDirectory= does this)")
    free = shutil.disk_usage(state_dir).free
    d = ctx.cfg.disk
    level = level_for(free, int(d.warn_free_mb * 2**20), int(d.critical_free_mb * 2**20), 0)
    mb = free / 2**20
    figures = {"free_mb": round(mb)}
    if level == "ok":
        return Check("disk", "ok", f"{mb:,.0f} MB free for the journal in {state_dir}", figures=figures)
    return Check("disk", "warn", f"only {mb:,.0f} MB free in {state_dir} ({level})",
                 "free space (`sudo journalctl --vacuum-size=50M`, old files) or use a larger SD card; "
                 "the gate keeps deciding when the disk is full, but entries then wait in memory", figures)


def _registries(ctx: Context) -> list:
    """The registries this kiosk would start with: the one it kept and its seed file,
    read once for the checks that need them. Raises RegistryError naming the file that
    cannot be used."""
    from kiosk.registry import STATE_FILE, Registry, RegistryError

    if "registries" not in ctx.cache:
        found: list | RegistryError = []
        for path in (Path(ctx.cfg.kiosk.state_dir) / STATE_FILE, ctx.cfg.registry.file):
            if path is not None and Path(path).exists():
                try:
                    found.append(Registry.load(path))
                except RegistryError as exc:
                    found = RegistryError(f"the registry {path} cannot be used: {exc}")
                    break
        ctx.cache["registries"] = found
    if isinstance(ctx.cache["registries"], RegistryError):
        raise ctx.cache["registries"]
    return ctx.cache["registries"]


def check_registry(ctx: Context) -> Check:
    from kiosk.registry import RegistryError

    try:
        found = _registries(ctx)
    except RegistryError as exc:
        return Check("registry", "fail", str(exc))
    if not found or max(r.version for r in found) == 0:
        if ctx.cfg.mqtt.enabled:
            # A fresh install: the server pushes the registry once the service connects.
            return Check("registry", "warn", "no registry yet: until the server pushes one, every person is referred",
                         "start the kiosk service with a working broker connection, then run the doctor again")
        return Check("registry", "fail", "no registry, and sync is off: no pass can be verified and every person "
                                         "is referred", "set [registry] file, or turn [mqtt] on")
    reg = max(found, key=lambda r: r.version)
    age = reg.age_s()
    if age is None:
        return Check("registry", "ok", f"registry version {reg.version} (no issue time recorded)")
    days = age / 86400
    figures = {"version": reg.version, "age_days": round(days, 1)}
    if age > REGISTRY_OLD_S:
        return Check("registry", "warn", f"registry version {reg.version} is {days:.0f} days old: revoked passes "
                                         "and quarantines since then are unknown here",
                     "check the broker connection; the server re-publishes the registry", figures)
    return Check("registry", "ok", f"registry version {reg.version}, issued {_age_words(age)} ago", figures=figures)


def _age_words(s: float) -> str:
    if s < 120:
        return f"{max(s, 0):.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    if s < 172800:
        return f"{s / 3600:.0f} h"
    return f"{s / 86400:.0f} days"


def check_timezone(ctx: Context) -> Check:
    from datetime import datetime, timezone

    from kiosk.registry import RegistryError, Rules

    try:
        found = _registries(ctx)
    except RegistryError:
        found = []                      # said by the registry check
    rules = max(found, key=lambda r: r.version).rules if found else Rules()
    now = datetime.now(timezone.utc)
    site, here = rules.local(now), now.astimezone()
    if site.utcoffset() == here.utcoffset():
        return Check("timezone", "ok", f"the kiosk keeps the site's time ({rules.timezone}, UTC{site:%z})")
    # The rules (quarantine days, allowed hours) follow the site's zone whatever the Pi
    # says; the touchscreen's clock, its quiet hours and today's counts follow the Pi's.
    return Check("timezone", "warn", f"the kiosk keeps {here.tzname()} (UTC{here:%z}), the site's rules "
                                     f"{rules.timezone} (UTC{site:%z}): the screen's clock, quiet hours and "
                                     "today's counts are off by the difference",
                 f"sudo timedatectl set-timezone {rules.timezone}")


PLAYERS = (["pw-play"], ["paplay"], ["aplay", "-q"])   # PipeWire, PulseAudio, then ALSA directly
TEST_PHRASE = "show_code"


def check_speech(ctx: Context) -> Check:
    from kiosk.speech import PHRASES, Speech, wav_seconds

    s = ctx.cfg.speech
    if not s.enabled:
        return Check("speech", "skip", "spoken prompts are off ([speech] enabled = false)")
    # A cache of its own: the doctor may run as root, and must leave no root-owned files
    # in the kiosk's state directory.
    with tempfile.TemporaryDirectory(prefix="kiosk-doctor-speech-") as tmp:
        speech = Speech(s, Path(tmp))
        t0 = time.perf_counter()
        path = speech.file_for(TEST_PHRASE)
        ms = (time.perf_counter() - t0) * 1000
        if path is None:
            if speech.engine is None:
                return Check("speech", "warn", f"{s.command} is not installed: the kiosk runs without spoken "
                                               "prompts (recorded phrases still play)",
                             "sudo apt install espeak-ng")
            return Check("speech", "warn", f"cannot make the test phrase: {speech.errors.get(TEST_PHRASE)}",
                         "check [speech] voice and phrases")
        phrase = f"{PHRASES[TEST_PHRASE]} ({wav_seconds(path):.1f} s of audio, ready in {ms:.0f} ms)"
        figures = {"synth_ms": round(ms, 1)}
        played, why = _play(path)
    if played:
        return Check("speech", "ok", f"said {phrase} through {played}: did you hear it?", figures=figures)
    return Check("speech", "warn", f"synthesised {phrase}, but there is no audio output here: {why}",
                 "plug in a speaker (or the screen's audio) and check `aplay -l`; the screen's browser "
                 "plays the prompts through the same output", figures)


def _play(path: Path) -> tuple[str | None, str]:
    """Play ``path`` with the first player that works: (its name, "") or (None, why not)."""
    import subprocess

    why = "no audio player found (install alsa-utils for aplay)"
    for cmd in PLAYERS:
        if shutil.which(cmd[0]) is None:
            continue
        try:
            done = subprocess.run([*cmd, str(path)], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as exc:
            why = f"{cmd[0]}: {exc}"
            continue
        if done.returncode == 0:
            return cmd[0], ""
        lines = (done.stderr or done.stdout).strip().splitlines()
        why = f"{cmd[0]}: {lines[-1] if lines else f'exit {done.returncode}'}"
    return None, why


_READER_HINTS = {
    "serial": "is the scanner plugged in? Use its stable path from `ls -l /dev/serial/by-id/`; the kiosk's user "
              "must be in the 'dialout' group, and no other program may hold the port",
    "evdev": "is the reader plugged in? Use its stable path from `ls -l /dev/input/by-id/` (ending in "
             "-event-kbd); the kiosk's user must be in the 'input' group (`sudo usermod -aG input kiosk`), and "
             "no other program may grab the device",
    "evdev-replay": "check [[reader]] source: a file or FIFO of recorded input events",
    "idcard": "check [[reader]] sdk, library (the vendor's Linux SDK, e.g. libtermb.so) and port (1001 for the "
              "first USB reader); the kiosk's user needs access to the reader's USB device (the vendor's udev rule)",
}


def check_readers(ctx: Context) -> list[Check]:
    """Each [[reader]]: does it open, and what did it read meanwhile. A simulated one is
    shown a test code, which must come back through the real driver."""
    from drivers.factories import READERS

    results = []
    for r in ctx.cfg.reader:
        name = f"reader {r.name}"
        codes: list = []
        try:
            reader = READERS[r.type](ctx.cfg, r, ctx.cache)
            reader.start(codes.append)
        except Exception as exc:  # noqa: BLE001
            results.append(Check(name, "fail", f"cannot start the {r.type} reader: {exc}", _READER_HINTS.get(r.type, "")))
            continue
        try:
            deadline = time.monotonic() + max(2.0, ctx.seconds)
            while time.monotonic() < deadline and reader.state.value != "ok":
                time.sleep(0.05)
            sim = ctx.cache.get("reader_sims", {}).get(r.name)
            if sim is not None and reader.state.value == "ok":
                sim.show(PROBE_CARDS[r.card_format] if getattr(r, "reads", "") == "cards" else PROBE_TEXT)
                while time.monotonic() < deadline + 3 and not codes:
                    time.sleep(0.05)
            state, stats = reader.state.value, reader.stats()
        finally:
            reader.stop()
        where = (getattr(r, "port", None) if r.type == "serial" else None) or getattr(r, "device", None) or \
            getattr(r, "source", None) or getattr(r, "library", None) or "the simulator"
        if state != "ok":
            why = getattr(reader, "last_error", None) or state
            results.append(Check(name, "fail", f"cannot open {where} ({why})", _READER_HINTS.get(r.type, "")))
        elif sim is not None and not codes:
            results.append(Check(name, "fail", f"{where} opened, but the test code did not come back",
                                 "check terminator, prefix and suffix against the module's setup"))
        else:
            seen = f"; read {len(codes)} code(s)" if codes else "; show it a code while the kiosk runs to see it read"
            results.append(Check(name, "ok", f"{where} is open ({getattr(r, 'reads', 'ID cards')}){seen}",
                                 figures=stats))
    return results


CHECKS: list[Callable[[Context], Check]] = [
    check_camera, check_decoder, check_thermometer, check_relay, check_broker,
    check_clock, check_timezone, check_disk, check_registry, check_speech,
]


def run(config_path: str | Path, *, seconds: float = 2.0, pulse_relay: bool = False) -> list[Check]:
    cfg, first = check_config(config_path)
    if cfg is None:
        return [first]
    ctx = Context(cfg, seconds=seconds, pulse_relay=pulse_relay)
    results = [first]
    # Where the unit runs the kiosk (WorkingDirectory=): lgpio makes its pipe files in the
    # current directory, which the kiosk user may not write wherever the doctor was started.
    state_dir = cfg.kiosk.state_dir
    in_state_dir = contextlib.chdir(state_dir) if state_dir.is_dir() else contextlib.nullcontext()
    try:
        with in_state_dir:
            for check in CHECKS:
                try:
                    results.append(check(ctx))
                except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others
                    results.append(Check(check.__name__.removeprefix("check_"), "fail",
                                         f"the check itself failed: {exc}"))
            results += check_readers(ctx)
    finally:
        for part in ctx.cache.get("sim_parts", []):
            part.stop()
    return results


MARKS = {"ok": "OK  ", "warn": "WARN", "fail": "FAIL", "skip": "--  "}


def render(results: list[Check]) -> str:
    width = max(len(r.name) for r in results)
    lines = []
    for r in results:
        lines.append(f"{MARKS[r.status]}  {r.name:<{width}}  {r.summary}")
        if r.hint and r.status in ("warn", "fail"):
            lines.append(f"{'':6}{'':<{width}}  -> {r.hint}")
    fails = sum(r.status == "fail" for r in results)
    warns = sum(r.status == "warn" for r in results)
    if fails:
        lines.append(f"\n{fails} problem(s) stop this kiosk from working; {warns} warning(s).")
    elif warns:
        lines.append(f"\nThe kiosk can work; {warns} warning(s) to look at.")
    else:
        lines.append("\nEverything checked works.")
    return "\n".join(lines)


def exit_code(results: list[Check]) -> int:
    return 1 if any(r.status == "fail" for r in results) else 0
