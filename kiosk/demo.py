"""`kiosk demo`: a broker, the community server and one kiosk on simulated drivers,
playing the bundled scenario, on loopback ports that are free. The server starts with
the bundled registry, residents list and access cards, so what is changed in its console
(a quarantine, a revoked pass or card) reaches the kiosk. The server is set up through
`community-server` commands, as an operator sets one up, never through its internals.
Beside the camera the kiosk has a scanner, a card reader and an ID card reader, each
played by the scenario."""

from __future__ import annotations

import json
import os
import queue
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sync.cliboot import stopping

REPO = Path(__file__).resolve().parent.parent
DEMO_DIR = REPO / "config" / "demo"
DEMO_PIN = "246810"      # printed at start; a real kiosk's PIN comes from `kiosk set-pin`
DEMO_ADMIN = "admin"    # its password is made per run and printed; real accounts: `community-server add-user`
DEMO_LOST_CARD = "0040856635"   # in cards.csv: reported lost, so revoked on the server
PASSWORD_ENV = "COMMUNITY_SERVER_PASSWORD"      # where `community-server add-user` takes the password from
# The demo kiosk's readers beside the camera, by name, and how its lines call each way in.
READERS = [{"type": "sim", "name": "scanner", "terminator": "cr"},
           {"type": "evdev-sim", "name": "card-reader", "reads": "cards", "card_format": "dec10"},
           {"type": "idcard-sim", "name": "id-reader"}]
WAYS_IN = {"scanner": "scanner", "card-reader": "card", "id-reader": "ID card"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, timeout: float = 20.0) -> bool:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


WORDS = {"admit": "ADMIT  通行", "deny": "DENY   禁止", "refer": "REFER  请人工核验"}


def _print_decision(entry: dict) -> None:
    t = entry.get("temperature") or {}
    temp = f"{t['value_c']:.1f} °C" if t.get("value_c") is not None else "  —   "
    who = (entry.get("credential") or {}).get("household") or (entry.get("credential") or {}).get("kind", "")
    way = WAYS_IN.get((entry.get("credential") or {}).get("reader"), "camera")
    reasons = ",".join(entry.get("reasons") or []) or "-"
    print(f"  #{entry['seq']:<4} {WORDS.get(entry['decision'], entry['decision']):<18} {temp:>8}  {way:<8} {who:<12} "
          f"{reasons}", flush=True)


class DemoError(RuntimeError):
    """A part of the demo would not start; said in words, without a traceback."""


@dataclass
class _Demo:
    """What `kiosk demo` has started, so that it is stopped whatever failed on the way."""

    workdir: Path
    broker: Any = None
    server: subprocess.Popen | None = None
    kiosk: Any = None
    feed: Any = None
    server_url: str = ""
    console_password: str = ""


def run_demo(seconds: float = 0, workdir: Path | None = None, scenario: Path | None = None) -> int:
    own_dir = workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="kiosk-demo-")) if own_dir else workdir
    workdir.mkdir(parents=True, exist_ok=True)
    scenario = scenario or DEMO_DIR / "scenario.toml"
    demo = _Demo(workdir)
    try:
        _start(demo, scenario)
        _print_banner(demo, scenario, seconds)
        _follow(demo.feed, seconds)
        print("\nstopping …", flush=True)
        summary = _settled_summary(demo.kiosk.journal)
    except DemoError as exc:
        print(f"kiosk demo: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        _stop(demo)
        if own_dir and not os.environ.get("KIOSK_DEMO_KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"demo stopped cleanly{summary}.", flush=True)
    return 0


def _start(demo: _Demo, scenario: Path) -> None:
    """The broker, the seeded community server, then the kiosk, subscribed to its events."""
    from kiosk.runtime import KioskRuntime
    from sync.mosquitto import Broker

    demo.broker = Broker(demo.workdir / "broker")
    demo.broker.start()
    server_port = _free_port()
    server_cfg, registry_keys, registry_file = prepare_server(demo.workdir, demo.broker.port, server_port)
    demo.console_password = _add_console_admin(server_cfg)
    demo.server = _start_server(server_cfg, demo.workdir / "server.log")
    demo.server_url = f"http://127.0.0.1:{server_port}/"
    demo.kiosk = KioskRuntime(_kiosk_config(demo.workdir, scenario, demo.broker.port, registry_keys, registry_file))
    demo.feed = demo.kiosk.events.subscribe()
    demo.kiosk.start()


def _add_console_admin(server_cfg: Path) -> str:
    """The console's admin account; returns its password, fresh each run: the console
    shows residents' entries, even in a demo."""
    password = secrets.token_urlsafe(9)
    _community_server("add-user", DEMO_ADMIN, "--role", "admin", config=server_cfg, env={PASSWORD_ENV: password})
    return password


def _start_server(server_cfg: Path, log_path: Path) -> subprocess.Popen:
    """`community-server run`, its output appended to ``log_path``. The child keeps its
    own copy of the log's descriptor, so ours is closed at once."""
    with open(log_path, "ab") as log:
        return subprocess.Popen([*_server_command(), "run", "--config", str(server_cfg)], stdout=log,
                                stderr=subprocess.STDOUT)


def _kiosk_config(workdir: Path, scenario: Path, broker_port: int, registry_keys: dict[str, str],
                  registry_file: Path):
    from kiosk import config
    from werkzeug.security import generate_password_hash

    return config.from_dict({
        "kiosk": {"site": "demo-site", "gate": "gate-1", "state_dir": str(workdir / "kiosk")},
        "camera": {"type": "sim"},
        "thermometer": {"type": "sim"},
        "relay": {"type": "sim"},
        "ui": {"port": _free_port(), "pin_hash": generate_password_hash(DEMO_PIN)},
        "mqtt": {"host": "127.0.0.1", "port": broker_port, "registry_keys": registry_keys},
        "registry": {"file": str(registry_file)},
        # The scenario loops every ~90 s: a resident coming round again is not a passback.
        "policy": {"passback_window_h": 0.01},
        "sim": {"scenario": str(scenario), "loop": True, "inbox": str(workdir / "inbox"), "clock_synced": True},
        "reader": READERS,
    }, source="demo")


def _print_banner(demo: _Demo, scenario: Path, seconds: float) -> None:
    ok = _wait_http(demo.server_url)
    server_note = "" if ok else f"  (not answering yet: see {demo.workdir / 'server.log'})"
    print(f"""
Gate checkpoint demo — a kiosk on simulated devices playing {scenario.name}
  kiosk touchscreen:  {demo.kiosk.ui_url}   (volunteer PIN for the demo: {DEMO_PIN})
  community server:   {demo.server_url}{server_note}
  console login:      {DEMO_ADMIN} / {demo.console_password}
  entries as JSON:    {demo.server_url}api/entries   (after the console login)
  MQTT broker:        127.0.0.1:{demo.broker.port}
  state and logs:     {demo.workdir}
  someone walks up:   drop a person file (scenario [[person]] keys) into {demo.workdir / 'inbox'}
{'Stops after %g s.' % seconds if seconds else 'Press Ctrl-C to stop.'}
""", flush=True)


def _follow(feed, seconds: float) -> None:
    """Print each decision until Ctrl-C, SIGTERM or ``seconds`` (0: no limit); the
    signal handlers before are put back on the way out."""
    deadline = time.monotonic() + seconds if seconds else None
    with stopping() as done:
        while not done.is_set() and (deadline is None or time.monotonic() < deadline):
            try:
                event = feed.get(timeout=0.5)
            except queue.Empty:
                continue
            if event["type"] == "decision":
                _print_decision(event["data"])


def _settled_summary(journal) -> str:
    """Entries journaled and stored, after giving the outbox a moment to hear the last
    acks, so the summary is the settled truth."""
    settle = time.monotonic() + 3
    while journal.backlog() and time.monotonic() < settle:
        time.sleep(0.1)
    journaled, backlog = journal.last_seq(), journal.backlog()
    summary = f": {journaled} entries journaled, {journaled - backlog} stored on the server"
    if backlog:
        summary += f", {backlog} kept on the kiosk to send next time"
    return summary


def _stop(demo: _Demo) -> None:
    """The kiosk first (its outbox sends the last entries), then the server, then the broker."""
    if demo.kiosk is not None:
        demo.kiosk.stop()
    if demo.server is not None:
        demo.server.send_signal(signal.SIGTERM)
        try:
            demo.server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            demo.server.kill()
            demo.server.wait()
    if demo.broker is not None:
        demo.broker.stop()


def prepare_server(workdir: Path, broker_port: int, http_port: int) -> tuple[Path, dict[str, str], Path]:
    """The server's config, seeded; the registry keys the kiosk trusts; and the kiosk's
    registry file: what the server published, as issued now (a demo starts with a
    registry just received, not one that looks days old on the status bar)."""
    server_cfg = workdir / "server.toml"
    new_server = not (workdir / "server").exists()
    server_cfg.write_text(_server_toml(workdir, broker_port, http_port))
    if new_server:
        _seed_lists(server_cfg)
    path = workdir / "registry.json"
    # The bundled registry, with the cards bound above, is the site's first version.
    _community_server("init-registry", "--from", DEMO_DIR / "registry.json", "--output", path, config=server_cfg)
    registry = json.loads(path.read_text("utf-8"))
    registry["issued_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    path.write_text(json.dumps(registry, ensure_ascii=False, indent=1), "utf-8")
    registry_keys = tomllib.loads(_community_server("registry-key", config=server_cfg))["registry_keys"]
    return server_cfg, registry_keys, path


def _seed_lists(server_cfg: Path) -> None:
    """What an administrator gives a new server, so the console's changes reach the demo
    kiosk: the bundled residents list and access cards, and the lost card revoked."""
    _community_server("import-residents", DEMO_DIR / "residents.csv", config=server_cfg)
    _community_server("import-cards", DEMO_DIR / "cards.csv", config=server_cfg)
    _community_server("revoke-card", DEMO_LOST_CARD, config=server_cfg)


def _server_command() -> list[str]:
    """The `community-server` console script beside this Python, as an operator runs it
    (the module when run from a source tree without the script)."""
    script = Path(sys.executable).with_name("community-server")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sync.server.cli"]


def _community_server(*args, config: Path, env: dict[str, str] | None = None) -> str:
    """Runs one `community-server` subcommand; returns what it printed. Raises DemoError
    with the command's own words when it fails."""
    done = subprocess.run([*_server_command(), *map(str, args), "--config", str(config)], capture_output=True,
                          text=True, env={**os.environ, **(env or {})})
    if done.returncode != 0:
        raise DemoError(f"`community-server {args[0]}` failed (exit {done.returncode}):\n{done.stderr.strip()}")
    return done.stdout


def _server_toml(workdir: Path, broker_port: int, http_port: int) -> str:
    return f"""
[server]
state_dir = "{workdir / 'server'}"

[mqtt]
host = "127.0.0.1"
port = {broker_port}

[http]
host = "127.0.0.1"
port = {http_port}
"""
