"""The `kiosk` command. Each subcommand is a small function; argparse wiring stays here."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
import time
from pathlib import Path

from sync.cliboot import boot, setup_logging, stop_event
from sync.configfile import ConfigError

log = logging.getLogger("kiosk")


def _load_config(path: str):
    from kiosk import config

    return config.load(path)


def cmd_run(args) -> int:
    from kiosk.runtime import KioskRuntime

    cfg = _load_config(args.config)
    if args.check_config:
        print(f"{args.config}: OK")
        return 0
    stopped = boot(cfg.kiosk.log_level)
    rt = KioskRuntime(cfg)
    rt.start()
    print(f"kiosk {cfg.kiosk.site}/{cfg.kiosk.gate}: touchscreen at {rt.ui_url}", flush=True)
    rt.checkpoint.watchdog.ready(f"touchscreen at {rt.ui_url}")
    stopped.wait()
    rt.checkpoint.watchdog.stopping()
    rt.stop()
    return 0


def cmd_demo(args) -> int:
    from kiosk.demo import run_demo

    return run_demo(seconds=args.seconds, workdir=Path(args.workdir) if args.workdir else None,
                    scenario=Path(args.scenario) if args.scenario else None)


def cmd_decode(args) -> int:
    import cv2

    from drivers.decoding import CascadeDecoder

    # The kiosk's own decoder, without the empty-frame gate: each image stands alone.
    decoder = CascadeDecoder()
    status = 0
    for name in args.images:
        image = cv2.imread(name, cv2.IMREAD_GRAYSCALE)
        if image is None:
            print(json.dumps({"file": name, "error": "cannot read image"}, ensure_ascii=False))
            status = 1
            continue
        t0 = time.perf_counter()
        codes = decoder.decode(image)
        ms = (time.perf_counter() - t0) * 1000
        print(json.dumps({"file": name, "codes": [{"type": c.type, "text": c.text} for c in codes],
                          "ms": round(ms, 2)}, ensure_ascii=False))
    return status


def _verify_context(args):
    """Config, registry and secret for the offline checks, without starting anything."""
    import secrets as _secrets

    from kiosk import config
    from kiosk.registry import Registry, RegistryStore
    from kiosk.secret import SECRET_FILE

    cfg = config.load(args.config) if args.config else config.from_dict({})
    state = cfg.kiosk.state_dir
    if args.registry:
        registry = Registry.load(args.registry)
    elif args.config and state.exists():
        registry = RegistryStore(state, cfg.registry.file).current
    else:
        registry = Registry.load(cfg.registry.file)
    secret_path = state / SECRET_FILE
    secret = secret_path.read_bytes() if args.config and secret_path.exists() else _secrets.token_bytes(32)
    return cfg, registry, secret


def cmd_verify(args) -> int:
    from datetime import datetime, timezone

    from kiosk import credentials, i18n
    from kiosk.gatekeeper import effective_screening, policy_rules
    from kiosk.policy import decide
    from kiosk.registry import RegistryError
    from kiosk.temperature import TemperatureResult

    try:
        cfg, registry, secret = _verify_context(args)
    except RegistryError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    now = datetime.fromisoformat(args.at) if args.at else datetime.now(timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    a = credentials.assess(credentials.parse(args.text, args.code_type), registry, now, secret,
                           site=cfg.kiosk.site)
    t = args.temperature
    temp = TemperatureResult("ok", 36.5) if t is None else TemperatureResult(
        "ok" if 34.0 <= t <= 43.0 else "misread", t)
    # Judged as the gate would judge it now: the site's screening, or the gate's own.
    rules = policy_rules(effective_screening(registry.rules.screening, cfg.policy, cfg.thermometer.offset_c),
                         cfg.policy)
    d = decide(a, temp, direction=args.direction or cfg.kiosk.direction, now=now, rules=rules,
               site=registry.rules, remeasured=True)
    out = a.as_json() | {
        "decision": d.decision, "reasons": list(d.reasons), "alert": d.alert,
        "messages": {lang: i18n.messages(d.reasons, lang) for lang in i18n.LANGUAGES},
        "temperature_c": t, "registry_version": registry.version, "screening": rules.screening,
        "checked_at": now.isoformat(),
    }
    print(json.dumps(out, ensure_ascii=False))
    return 0


def cmd_journal_verify(args) -> int:
    from kiosk.journal import Journal

    if args.journal:
        path = Path(args.journal)
    else:
        path = _load_config(args.config).journal_path
    if not path.exists():
        print(f"kiosk: {path}: no journal there", file=sys.stderr)
        return 2
    j = Journal(path, site="-", gate="-")
    try:
        bad = j.verify()
        last = j.last_seq()
    finally:
        j.close()
    print(json.dumps({"journal": str(path), "ok": bad is None, "first_bad_seq": bad, "last_seq": last}))
    return 0 if bad is None else 1


def cmd_doctor(args) -> int:
    # The report says what the drivers' logs would; keep them (and OpenCV's) for --verbose.
    os.environ.setdefault("OPENCV_LOG_LEVEL", "DEBUG" if args.verbose else "OFF")
    setup_logging("DEBUG" if args.verbose else "CRITICAL")
    from kiosk import doctor

    results = doctor.run(args.config, seconds=args.seconds, pulse_relay=args.pulse_relay)
    if args.json:
        print(json.dumps([dataclasses.asdict(r) for r in results], ensure_ascii=False, indent=1))
    else:
        print(doctor.render(results))
    return doctor.exit_code(results)
def cmd_set_pin(args) -> int:
    """Print the [ui] pin_hash line for a new volunteer PIN; the PIN itself is kept nowhere."""
    import getpass
    import re

    from werkzeug.security import generate_password_hash

    if sys.stdin.isatty():
        pin = getpass.getpass("new volunteer PIN (6-12 digits): ")
        if getpass.getpass("again: ") != pin:
            print("kiosk: the two PINs differ", file=sys.stderr)
            return 1
    else:
        pin = sys.stdin.readline().strip()
    if not re.fullmatch(r"\d{6,12}", pin):
        print("kiosk: a volunteer PIN is 6 to 12 digits (a shorter one is guessed too soon)", file=sys.stderr)
        return 1
    print("# put this line in the [ui] section of the kiosk's config file:")
    print(f'pin_hash = "{generate_password_hash(pin)}"')
    return 0


def cmd_thermometer(args) -> int:
    """Read a thermometer directly, for the bench: one JSON line per reading on stdout,
    state changes and the final counters on stderr."""
    import queue
    from datetime import datetime, timezone

    from drivers.thermometer import SerialThermometer, build_protocol

    section = _load_config(args.config).thermometer if args.config else None
    name = args.protocol or (section.protocol if section else "gy-mcu90614")
    port = args.port or (section.port if section else None)
    if not port:
        print("kiosk: thermometer: give --port (or --config with [thermometer] port)", file=sys.stderr)
        return 2
    try:
        proto = build_protocol(name, section if section and section.protocol == name else None)
    except ValueError as exc:
        print(f"kiosk: thermometer: {exc}", file=sys.stderr)
        return 2
    baudrate = args.baudrate or (section.baudrate if section else 9600)
    readings: queue.Queue = queue.Queue()
    therm = SerialThermometer(port, proto, baudrate)
    done = stop_event()
    therm.start(readings.put)
    count, state = 0, None
    deadline = time.monotonic() + args.seconds if args.seconds else None
    try:
        while not done.is_set() and (not args.count or count < args.count):
            if deadline is not None and time.monotonic() >= deadline:
                break
            if therm.state != state:
                state = therm.state
                print(f"thermometer {port}: {state.value}", file=sys.stderr, flush=True)
            try:
                r = readings.get(timeout=0.1)
            except queue.Empty:
                continue
            ts = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
            print(json.dumps({"object_c": r.object_c, "ambient_c": r.ambient_c, "ts": ts}), flush=True)
            count += 1
    finally:
        therm.stop()
        print(json.dumps({"port": port, "protocol": name, "readings": count, "state": therm.state.value}
                         | therm.stats()), file=sys.stderr)
    return 0 if count and (not args.count or count >= args.count) else 1


def cmd_sim_thermometer(args) -> int:
    """A simulated thermometer behind a pty, to try `kiosk thermometer` without a module:
    prints the port to open, then plays until Ctrl-C (or --seconds)."""
    from drivers.sim.thermometer import FAULTS, PtyThermometerSim

    unknown = sorted(set(args.fault) - FAULTS)
    if unknown:
        print(f"kiosk: sim-thermometer: unknown fault {', '.join(unknown)}; known: {', '.join(sorted(FAULTS))}",
              file=sys.stderr)
        return 2
    try:
        body_c = None if args.hold == "none" else float(args.hold)
    except ValueError:
        print(f"kiosk: sim-thermometer: --hold is a temperature in deg C or none, not {args.hold!r}", file=sys.stderr)
        return 2
    try:
        sim = PtyThermometerSim(protocol=args.protocol, rate_hz=args.rate, link_path=args.link)
    except ValueError as exc:
        print(f"kiosk: sim-thermometer: {exc}", file=sys.stderr)
        return 2
    sim.hold(body_c)
    sim.faults |= set(args.fault)
    stopped = stop_event()
    sim.start()
    print(sim.port, flush=True)
    try:
        stopped.wait(args.seconds or None)
    finally:
        sim.stop()
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kiosk", description="Gate checkpoint kiosk")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="run the kiosk from a config file")
    r.add_argument("--config", "-c", required=True, help="kiosk TOML config (see config/kiosk.toml)")
    r.add_argument("--check-config", action="store_true", help="validate the config and exit")
    r.set_defaults(func=cmd_run)

    dr = sub.add_parser("doctor", help="check each part of this kiosk and explain what is wrong")
    dr.add_argument("--config", "-c", required=True, help="kiosk TOML config")
    dr.add_argument("--seconds", type=float, default=2.0, help="how long to measure the camera, s")
    dr.add_argument("--pulse-relay", action="store_true", help="click the gate relay once")
    dr.add_argument("--json", action="store_true", help="print the results as JSON")
    dr.add_argument("--verbose", "-v", action="store_true", help="also show the drivers' own log")
    dr.set_defaults(func=cmd_doctor)

    d = sub.add_parser("demo", help="broker, community server and a kiosk on simulated drivers")
    d.add_argument("--seconds", type=float, default=0, help="stop after this long (0: until Ctrl-C)")
    d.add_argument("--workdir", help="where the demo keeps its state (default: a temporary directory)")
    d.add_argument("--scenario", help="scenario file to play (default: the bundled one)")
    d.set_defaults(func=cmd_demo)

    s = sub.add_parser("set-pin", help="make the [ui] pin_hash line for a volunteer PIN (read from the terminal or stdin)")
    s.set_defaults(func=cmd_set_pin)

    c = sub.add_parser("decode", help="decode codes in image files, one JSON line per image")
    c.add_argument("images", nargs="+", metavar="IMAGE")
    c.set_defaults(func=cmd_decode)

    v = sub.add_parser("verify", help="check a code offline and print the decision as one JSON line")
    v.add_argument("text", metavar="TEXT", help="the code's text (a pass, an ID number, a plain code)")
    v.add_argument("--config", "-c", help="kiosk config: its registry copy, site, rules and secret")
    v.add_argument("--registry", help="registry JSON to check against (instead of the kiosk's)")
    v.add_argument("--temperature", type=float, help="body temperature, deg C (default: a normal one)")
    v.add_argument("--direction", choices=("in", "out"), help="default: the kiosk's")
    v.add_argument("--code-type", default="QRCODE", help="symbology the code was read as")
    v.add_argument("--at", help="check as of this ISO 8601 time (default: now)")
    v.set_defaults(func=cmd_verify)

    th = sub.add_parser("thermometer", help="read a thermometer: one JSON line per reading (object_c, ambient_c, ts)")
    th.add_argument("--port", help="serial port path (/dev/serial/by-id/...) or pyserial URL (default: the config's)")
    th.add_argument("--protocol", help="gy-mcu90614, modbus-rtu or ascii (default: the config's)")
    th.add_argument("--baudrate", type=int, help="bits per second (default: the config's, else 9600)")
    th.add_argument("--config", "-c", help="kiosk config: port, protocol and its options from [thermometer]")
    th.add_argument("--count", type=int, default=0, help="stop after N readings (0: until Ctrl-C)")
    th.add_argument("--seconds", type=float, default=0, help="give up after this long (0: never)")
    th.set_defaults(func=cmd_thermometer)

    ts = sub.add_parser("sim-thermometer", help="a simulated thermometer behind a pty, for trying `kiosk thermometer`: "
                                                "prints the port to open")
    ts.add_argument("--protocol", default="gy-mcu90614", help="gy-mcu90614, modbus-rtu or ascii")
    ts.add_argument("--hold", default="36.6", help="body temperature of the person in front, deg C, or none (nobody)")
    ts.add_argument("--fault", action="append", default=[],
                    help="silence, garbage, bad_checksum, split or noisy (repeat for several)")
    ts.add_argument("--rate", type=float, default=10.0, help="frames a second the module sends")
    ts.add_argument("--link", help="the stable path to create for the port (default: one in a temporary directory)")
    ts.add_argument("--seconds", type=float, default=0, help="stop after this long (0: until Ctrl-C)")
    ts.set_defaults(func=cmd_sim_thermometer)

    jp = sub.add_parser("journal", help="the kiosk's journal")
    jsub = jp.add_subparsers(dest="journal_command", required=True)
    jv = jsub.add_parser("verify", help="check the hash chain; names the first bad seq")
    src = jv.add_mutually_exclusive_group(required=True)
    src.add_argument("--config", "-c", help="kiosk config (its journal)")
    src.add_argument("--journal", help="path of a journal file")
    jv.set_defaults(func=cmd_journal_verify)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
