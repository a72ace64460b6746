"""Every way in, end to end: a code at the camera, a code at a serial scanner module, an
access card at a keyboard-wedge card reader and an ID card at an ID card reader, each
journaled by the kiosk and stored by a real community-server process through real
Mosquitto, with only a masked credential; then every file the kiosk and the server
keep (each SQLite database with its -wal and -shm, the registry copies) is searched
for the clear card and ID numbers."""

from __future__ import annotations

import json
import sqlite3

import pytest

from kiosk import config as kiosk_config
from kiosk.runtime import KioskRuntime
from sync.cards import forms, new_card_key, registry_cards
from sync.mosquitto import free_port
from tests.sync.procs import ServerProcess, write_server_config
from tests.waiting import wait_until

pytestmark = pytest.mark.slow

CARD_TYPED, CARD = "0040856634", "026F6C3A"
ID_NUMBER = "11010519491231002X"
SCENARIO = f"""
[defaults]
gap_s = 1.5
show_s = 2.0
start_s = 2.0   # a serial port drops what came before it was opened, as a real one does

[[person]]
code = "RES-0001"

[[person]]
scanner = "RES-0002"

[[person]]
card = "{CARD_TYPED}"

[[person]]
idcard = "{ID_NUMBER}"
"""


def test_each_way_in_reaches_the_server_masked_and_no_store_holds_a_clear_number(tmp_path, broker):
    (tmp_path / "scenario.toml").write_text(SCENARIO)
    key = new_card_key()
    (tmp_path / "registry.json").write_text(json.dumps({
        "version": 1, "known_codes": {"RES-0001": {"household": "1-1-101"}, "RES-0002": {"household": "1-1-102"}},
        "card_key": key, "cards": registry_cards([{"forms": forms(key, CARD), "household": "3-2-501"}])}))
    server_cfg = write_server_config(tmp_path / "server" / "server.toml", broker.port, http_port=free_port())
    server = ServerProcess(server_cfg, tmp_path / "server.log").start()
    cfg = kiosk_config.from_dict({
        "kiosk": {"site": "demo-site", "gate": "gate-1", "state_dir": str(tmp_path / "kiosk")},
        "camera": {"type": "sim"}, "thermometer": {"type": "sim"}, "relay": {"type": "sim"},
        "ui": {"port": 0}, "mqtt": {"port": broker.port, "ack_timeout_s": 2.0},
        "registry": {"file": str(tmp_path / "registry.json")},
        "sim": {"scenario": str(tmp_path / "scenario.toml")},
        "reader": [{"type": "sim", "name": "scanner"},
                   {"type": "evdev-sim", "name": "card-reader", "reads": "cards", "card_format": "dec10"},
                   {"type": "idcard-sim", "name": "id-reader"}],
    })
    rt = KioskRuntime(cfg)
    rt.start()
    try:
        wait_until(lambda: rt.journal.last_seq() >= 4, 60, "four entries journaled")
        wait_until(lambda: rt.journal.backlog() == 0, 60, "every entry acknowledged by the server")
        entries = list(rt.journal.iter_all())
    finally:
        rt.stop()
        server.stop()

    creds = [e["credential"] for e in entries]
    assert [(c["kind"], c.get("reader")) for c in creds] == [
        ("code", None), ("code", "scanner"), ("card", "card-reader"), ("id_number", "id-reader")]
    assert [e["decision"] for e in entries] == ["admit", "admit", "admit", "refer"]
    assert creds[2]["masked"] == "****6C3A" and creds[3]["masked"] == "110105********002X"
    with sqlite3.connect(tmp_path / "server" / "server-state" / "server.sqlite3") as db:
        stored = db.execute("SELECT seq, hash, credential_kind FROM entries ORDER BY seq").fetchall()
    assert stored == [(e["seq"], e["hash"], c["kind"]) for e, c in zip(entries, creds)]

    kept = [p for p in tmp_path.rglob("*") if p.is_file() and p.parent.name != "server" and p.name not in (
        "scenario.toml", "registry.json", "server.log")]
    assert any(p.name.endswith("-wal") for p in kept) and any(p.suffix == ".sqlite3" for p in kept)
    clear = [s.encode() for s in (CARD_TYPED, CARD, ID_NUMBER)] + [ID_NUMBER.encode("utf-16-le")]
    leaks = [(p.relative_to(tmp_path), n) for p in kept for n in clear if n in p.read_bytes()]
    assert not leaks
