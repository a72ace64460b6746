"""The `kiosk` command. Each subcommand is a small function; argparse wiring stays here."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
from pathlib import Path

from kiosk.configfile import ConfigError

log = logging.getLogger("kiosk")


def _setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _load_config(path: str):
    from kiosk import config

    return config.load(path)


def cmd_run(args) -> int:
    from kiosk.runtime import KioskRuntime

    cfg = _load_config(args.config)
    if args.check_config:
        print(f"{args.config}: OK")
        return 0
    _setup_logging(cfg.kiosk.log_level)
    rt = KioskRuntime(cfg)
    rt.start()
    print(f"kiosk {cfg.kiosk.site}/{cfg.kiosk.gate}: touchscreen at {rt.ui_url}", flush=True)
    _wait_for_signal()
    rt.stop()
    return 0


def _wait_for_signal(seconds: float = 0) -> None:
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    done.wait(seconds or None)


def cmd_demo(args) -> int:
    from kiosk.demo import run_demo

    return run_demo(seconds=args.seconds, workdir=Path(args.workdir) if args.workdir else None,
                    scenario=Path(args.scenario) if args.scenario else None)


def cmd_decode(args) -> int:
    import cv2

    from drivers.decoder import PyzbarDecoder

    decoder = PyzbarDecoder()
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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kiosk", description="Gate checkpoint kiosk")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="run the kiosk from a config file")
    r.add_argument("--config", "-c", required=True, help="kiosk TOML config (see config/kiosk.toml)")
    r.add_argument("--check-config", action="store_true", help="validate the config and exit")
    r.set_defaults(func=cmd_run)

    d = sub.add_parser("demo", help="broker, community server and a kiosk on simulated drivers")
    d.add_argument("--seconds", type=float, default=0, help="stop after this long (0: until Ctrl-C)")
    d.add_argument("--workdir", help="where the demo keeps its state (default: a temporary directory)")
    d.add_argument("--scenario", help="scenario file to play (default: the bundled one)")
    d.set_defaults(func=cmd_demo)

    c = sub.add_parser("decode", help="decode codes in image files, one JSON line per image")
    c.add_argument("images", nargs="+", metavar="IMAGE")
    c.set_defaults(func=cmd_decode)
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
