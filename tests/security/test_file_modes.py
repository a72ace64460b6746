"""Every state file of the kiosk and the server (databases with their -wal and -shm,
keys, secrets, credentials) is its owner's alone, whatever the umask, and an older
file made with a looser mode is tightened. So is what the office writes out: exports,
reports and the passes it prints."""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime, timezone

from sync.schema import Batch
from tests.sync.server.consolekit import entry_fields, journal_entries


def _loose(root) -> dict[str, str]:
    return {str(p.relative_to(root)): oct(stat.S_IMODE(p.stat().st_mode))
            for p in root.rglob("*") if p.is_file() and stat.S_IMODE(p.stat().st_mode) & 0o077}


def test_the_kiosk_keeps_its_state_private(loose_umask, runtime, kiosk):
    state = runtime.cfg.kiosk.state_dir
    runtime.journal.append({"direction": "in", "decision": "refer", "reasons": ["unknown_code"]})
    runtime.gatekeeper.book.purge(datetime.now(timezone.utc))       # a write: the visitors' -wal
    # The kiosk's copy of the registry lists quarantined households.
    assert runtime.registry.accept({"revoked": ["p1"]}, 1)
    names = {p.name for p in state.rglob("*") if p.is_file()}
    assert {"journal.sqlite3", "journal.sqlite3-wal", "journal.sqlite3-shm", "visitors.sqlite3",
            "visitors.sqlite3-wal", "kiosk.secret", "ui-session.key", "registry.json"} <= names, names
    assert _loose(state) == {}


def test_the_server_keeps_its_state_private(loose_umask, broker, tmp_path):
    from sync.server import config as server_config
    from sync.server.runtime import ServerRuntime

    state = tmp_path / "srv"
    state.mkdir()
    (state / "server.sqlite3").write_bytes(b"")             # made by an older version, 0644
    cfg = server_config.from_dict({"server": {"state_dir": str(state)}, "http": {"port": 0},
                                   "mqtt": {"port": broker.port}})
    rt = ServerRuntime(cfg)
    rt.start()
    try:
        rt.storage.store([Batch("demo-site", "gate-1", journal_entries(tmp_path, "gate-1", [entry_fields()]))])
        names = {p.name for p in state.rglob("*") if p.is_file()}
        assert {"server.sqlite3", "server.sqlite3-wal", "server.sqlite3-shm", "session-secret",
                "pass-key.pem"} <= names, names
        assert _loose(state) == {}
    finally:
        rt.stop()


def test_broker_config_tightens_an_older_credentials_file(loose_umask, tmp_path):
    from sync.server.broker_setup import KioskId, write_broker_config

    conf = tmp_path / "brokerconf"
    conf.mkdir()
    (conf / "credentials.json").write_text(json.dumps({"server": "kept-password"}))
    os.chmod(conf / "credentials.json", 0o644)
    creds = write_broker_config(conf, [KioskId("s1", "g1")], tls=True, hostnames=["127.0.0.1"], client_certs=True)
    assert creds["server"] == "kept-password"
    private = [conf / "credentials.json", conf / "server-mqtt.toml", conf / "kiosks" / "s1.g1.toml",
               conf / "tls" / "ca.key", conf / "tls" / "clients" / "s1.g1.key"]
    assert {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in private} == {p.name: "0o600" for p in private}


def test_what_the_office_writes_out_is_its_own(loose_umask, tmp_path):
    """An export and a daily report name people; a pass's image or text opens the gate to
    whoever copies it."""
    from datetime import date

    from sync.server import config as server_config
    from sync.server.cli import main as server_main
    from sync.server.report.files import write_report
    from sync.server.storage.sqlite import SQLiteStorage

    state, out = tmp_path / "state", tmp_path / "out"
    storage = SQLiteStorage(state / "server.sqlite3")
    try:
        storage.store([Batch("demo-site", "gate-1", journal_entries(tmp_path, "gate-1", [entry_fields()]))])
        write_report(storage, server_config.from_dict({"server": {"state_dir": str(state)}}), date.today(),
                     out / "report.xlsx", actor="clerk")
    finally:
        storage.close()
    (tmp_path / "server.toml").write_text(f'[server]\nstate_dir = "{state}"\n')
    assert server_main(["export", "--config", str(tmp_path / "server.toml"), "--format", "xlsx",
                        "--output", str(out / "entries.xlsx")]) == 0
    key = tmp_path / "k.pem"
    rows = tmp_path / "residents.csv"
    rows.write_text("household,role\n3-2-501,resident\n3-2-502,staff\n", encoding="utf-8")
    assert server_main(["issue-pass", "--batch", str(rows), "--key", str(key), "--out", str(out / "passes"),
                        "--sheet", str(out / "sheet.html")]) == 0
    assert server_main(["issue-pass", "--household", "3-2-503", "--key", str(key), "--out", str(out / "one.svg")]) == 0

    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert len(written) == 7 and "one.svg" in written and "passes/passes.csv" in written, written
    assert _loose(out) == {}
