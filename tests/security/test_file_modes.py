"""Every state file of the kiosk and the server (databases with their -wal and -shm,
keys, secrets, credentials) is its owner's alone, whatever the umask, and an older
file made with a looser mode is tightened."""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime, timezone

import pytest

from sync.schema import Batch
from tests.sync.server.consolekit import entry_fields, journal_entries


@pytest.fixture
def loose_umask():
    """The umask of a process started by hand, outside systemd: files 0644 by default."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _loose(root) -> dict[str, str]:
    return {str(p.relative_to(root)): oct(stat.S_IMODE(p.stat().st_mode))
            for p in root.rglob("*") if p.is_file() and stat.S_IMODE(p.stat().st_mode) & 0o077}


def test_the_kiosk_keeps_its_state_private(loose_umask, runtime, kiosk):
    from sync.registry_envelope import store_atomically

    state = runtime.cfg.kiosk.state_dir
    runtime.journal.append({"direction": "in", "decision": "refer", "reasons": ["unknown_code"]})
    runtime.gatekeeper.book.purge(datetime.now(timezone.utc))       # a write: the visitors' -wal
    # The kiosk's copy of the registry lists quarantined households.
    store_atomically(state / "registry-envelope.json", {"v": 1, "site": "s", "version": 1, "registry": {}})
    names = {p.name for p in state.rglob("*") if p.is_file()}
    assert {"journal.sqlite3", "journal.sqlite3-wal", "journal.sqlite3-shm", "visitors.sqlite3",
            "visitors.sqlite3-wal", "kiosk.secret", "ui-session.key"} <= names, names
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
