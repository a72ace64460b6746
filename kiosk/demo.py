"""`kiosk demo`: a broker, the community server and one kiosk on simulated drivers,
playing the bundled scenario, on loopback ports that are free. The server starts with
the bundled registry, residents list and access cards, so what is changed in its console
(a quarantine, a revoked pass or card) reaches the kiosk. Beside the camera the kiosk has
a scanner, a card reader and an ID card reader, each played by the scenario."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from sync.cliboot import stop_event

REPO = Path(__file__).resolve().parent.parent
DEMO_DIR = REPO / "config" / "demo"
DEMO_PIN = "246810"      # printed at start; a real kiosk's PIN comes from `kiosk set-pin`
DEMO_ADMIN = "admin"    # its password is made per run and printed; real accounts: `community-server add-user`
DEMO_LOST_CARD = "0040856635"   # in cards.csv: reported lost, so revoked on the server
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


def run_demo(seconds: float = 0, workdir: Path | None = None, scenario: Path | None = None) -> int:
    from kiosk import config
    from kiosk.runtime import KioskRuntime
    from sync.mosquitto import Broker
    from sync.server.console.cli import PASSWORD_ENV
    from werkzeug.security import generate_password_hash

    own_dir = workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="kiosk-demo-")) if own_dir else workdir
    workdir.mkdir(parents=True, exist_ok=True)
    scenario = scenario or DEMO_DIR / "scenario.toml"

    broker = Broker(workdir / "broker")
    broker.start()
    server_port = _free_port()
    server_cfg, registry_keys, registry_file = prepare_server(workdir, broker.port, server_port)
    # A fresh password each run: the console shows residents' entries, even in a demo.
    console_password = secrets.token_urlsafe(9)
    subprocess.run([sys.executable, "-m", "sync.server.cli", "add-user", DEMO_ADMIN, "--role", "admin",
                    "--config", str(server_cfg)], env={**os.environ, PASSWORD_ENV: console_password},
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    server = subprocess.Popen([sys.executable, "-m", "sync.server.cli", "run", "--config", str(server_cfg)],
                              stdout=open(workdir / "server.log", "ab"), stderr=subprocess.STDOUT)
    server_url = f"http://127.0.0.1:{server_port}/"
    cfg = config.from_dict({
        "kiosk": {"site": "demo-site", "gate": "gate-1", "state_dir": str(workdir / "kiosk")},
        "camera": {"type": "sim"},
        "thermometer": {"type": "sim"},
        "relay": {"type": "sim"},
        "ui": {"port": _free_port(), "pin_hash": generate_password_hash(DEMO_PIN)},
        "mqtt": {"host": "127.0.0.1", "port": broker.port, "registry_keys": registry_keys},
        "registry": {"file": str(registry_file)},
        # The scenario loops every ~90 s: a resident coming round again is not a passback.
        "policy": {"passback_window_h": 0.01},
        "sim": {"scenario": str(scenario), "loop": True, "inbox": str(workdir / "inbox"), "clock_synced": True},
        "reader": READERS,
    }, source="demo")
    rt = KioskRuntime(cfg)
    feed = rt.events.subscribe()
    rt.start()
    ok = _wait_http(server_url)
    print(f"""
Gate checkpoint demo — a kiosk on simulated devices playing {scenario.name}
  kiosk touchscreen:  {rt.ui_url}   (volunteer PIN for the demo: {DEMO_PIN})
  community server:   {server_url}{'' if ok else '  (not answering yet: see ' + str(workdir / 'server.log') + ')'}
  console login:      {DEMO_ADMIN} / {console_password}
  entries as JSON:    {server_url}api/entries   (after the console login)
  MQTT broker:        127.0.0.1:{broker.port}
  state and logs:     {workdir}
  someone walks up:   drop a person file (scenario [[person]] keys) into {workdir / 'inbox'}
{'Stops after %g s.' % seconds if seconds else 'Press Ctrl-C to stop.'}
""", flush=True)

    done = stop_event()
    deadline = time.monotonic() + seconds if seconds else None
    import queue

    while not done.is_set() and (deadline is None or time.monotonic() < deadline):
        try:
            event = feed.get(timeout=0.5)
        except queue.Empty:
            continue
        if event["type"] == "decision":
            _print_decision(event["data"])

    print("\nstopping …", flush=True)
    # Give the outbox a moment to hear the last acks, so the summary is the settled truth.
    settle = time.monotonic() + 3
    while rt.journal.backlog() and time.monotonic() < settle:
        time.sleep(0.1)
    journaled, backlog = rt.journal.last_seq(), rt.journal.backlog()
    rt.stop()
    backlog_note = f": {journaled} entries journaled, {journaled - backlog} stored on the server"
    if backlog:
        backlog_note += f", {backlog} kept on the kiosk to send next time"
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
    broker.stop()
    if own_dir and not os.environ.get("KIOSK_DEMO_KEEP"):
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"demo stopped cleanly{backlog_note}.", flush=True)
    return 0


def prepare_server(workdir: Path, broker_port: int, http_port: int) -> tuple[Path, dict[str, str], Path]:
    """The server's config, seeded; the registry keys the kiosk trusts; and the kiosk's
    registry file: what the server published, as issued now (a demo starts with a
    registry just received, not one that looks days old on the status bar)."""
    server_cfg = workdir / "server.toml"
    server_cfg.write_text(_server_toml(workdir, broker_port, http_port))
    registry_keys, registry = _seed_server(server_cfg)
    registry["issued_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    path = workdir / "registry.json"
    path.write_text(json.dumps(registry, ensure_ascii=False, indent=1), "utf-8")
    return server_cfg, registry_keys, path


def _seed_server(server_cfg: Path) -> tuple[dict[str, str], dict]:
    """Give the server what the demo kiosk starts with, so the console's changes reach it:
    the bundled residents list and access cards, and the bundled registry with those cards
    as the site's first version, signed by the server's registry key. Returns the key (for
    the kiosk to trust) and the registry's content."""
    from sync import registry_envelope as env
    from sync.server import config as server_config
    from sync.server.console.registry_content import cards_content
    from sync.server.console.roster import parse_roster, read_table
    from sync.server.console.store import ConsoleStore
    from sync.server.storage import open_storage

    cfg = server_config.load(server_cfg)
    cfg.server.state_dir.mkdir(parents=True, exist_ok=True)
    key = env.load_or_create_key(cfg.registry_key_path)
    registry = json.loads((DEMO_DIR / "registry.json").read_text("utf-8"))
    site = registry["site"]
    content = {k: v for k, v in registry.items() if k not in ("version", "issued_at")}
    roster = parse_roster(read_table("residents.csv", (DEMO_DIR / "residents.csv").read_bytes()))
    storage = open_storage(cfg)
    try:
        store = ConsoleStore(storage)
        store.import_residents(roster.records)
        if storage.latest_registry(site) is None:
            _bind_cards(store)
            content.update(cards_content(store))
            storage.save_registry(site, lambda v: env.sign(content, site=site, version=v, key=key,
                                                           key_id=cfg.registry.key_id), "demo")
        envelope = storage.latest_registry(site)
    finally:
        storage.close()
    return {cfg.registry.key_id: env.public_key_text(key)}, {**envelope["registry"], "version": envelope["version"]}


def _bind_cards(store) -> None:
    """The bundled cards through the console's own import, and the lost one revoked, as an
    administrator does in the console."""
    from drivers.cards import mask, normalise
    from sync.server.console.cards import DEFAULT_FORMAT, parse_cards
    from sync.server.console.roster import read_table

    rows = read_table("cards.csv", (DEMO_DIR / "cards.csv").read_bytes())
    records, errors = parse_cards(rows, store, store.card_key())
    if errors:
        raise RuntimeError(f"config/demo/cards.csv: bad rows {errors}")
    lost = mask(normalise(DEMO_LOST_CARD, DEFAULT_FORMAT))
    for card_id, record in zip(store.add_cards(records, "demo"), records):
        if record["masked"] == lost:
            store.revoke_card(card_id, "demo")


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
