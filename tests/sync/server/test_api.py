"""The server's HTTP API and `community-server export`, on SQLite and a real PostgreSQL:
behind login, entries filtered, CSV and Excel exports that stream and are logged,
the fleet's status."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest

from sync.entry import GENESIS_HASH, entry_hash
from sync.schema import Batch
from sync.server.api import create_app
from sync.server.storage.sqlite import SQLiteStorage
from tests.places import REPO
from tests.spreadsheets import xlsx_rows

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def gate_entries(site: str, gate: str, n: int, day: str = "2026-11-20") -> list[dict]:
    """A gate's hash-chained entries, one a minute from 06:00 on ``day``."""
    out, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        minute = seq - 1
        e = {"v": 1, "seq": seq, "id": f"{gate}-{seq}", "site": site, "gate": gate,
             "ts": f"{day}T{6 + minute // 60:02d}:{minute % 60:02d}:00.000Z", "clock_synced": True,
             "direction": "in" if seq % 3 else "out", "decision": "deny" if seq % 10 == 0 else "admit",
             "reasons": ["fever"] if seq % 10 == 0 else [],
             "credential": {"kind": "pass", "pass_id": f"P{seq}", "household": f"1-1-{seq % 4}"},
             "temperature": {"value_c": 38.2 if seq % 10 == 0 else 36.5}, "operator": None, "visitor": None,
             "prev_hash": prev}
        e["hash"] = prev = entry_hash(e)
        out.append(e)
    return out


ENTRIES = gate_entries("s1", "g1", 1200) + gate_entries("s1", "g2", 50) + gate_entries("s2", "g1", 30, "2026-11-21")


@pytest.fixture
def storage(storage):
    """The shared empty store, holding three gates' entries."""
    for key in sorted({(e["site"], e["gate"]) for e in ENTRIES}):
        storage.store([Batch(*key, [e for e in ENTRIES if (e["site"], e["gate"]) == key])])
    return storage


@pytest.fixture
def api_client(storage):
    app = create_app(storage, api_token=TOKEN, secret_key=b"k" * 32, test_config={"TESTING": True})
    return app.test_client()


@pytest.mark.parametrize("path", ["/api/entries", "/api/entries?format=csv", "/api/fleet", "/api/exports",
                                  "/api/chain-issues", "/api/rejections", "/api/registry/s1"])
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}])
def test_nothing_without_login(api_client, storage, path, headers):
    r = api_client.get(path, headers=headers)
    assert r.status_code == 401 and "login required" in r.get_json()["error"]
    assert storage.export_log() == []


def test_no_token_configured_means_console_logins_only(storage):
    from sync.server.console import init_console
    from sync.server.console.auth import create_user

    app = create_app(storage, api_token=None, secret_key=b"k" * 32, test_config={"TESTING": True})
    con = init_console(app, storage)
    create_user(con.store, "alice", "a long password", "viewer")
    c = app.test_client()
    assert c.get("/api/fleet").status_code == 401
    assert c.get("/api/fleet", headers={"Authorization": "Bearer "}).status_code == 401
    with c.session_transaction() as sess:
        sess["user"] = "alice"          # a cookie naming a user, but no session the server opened
    assert c.get("/api/fleet").status_code == 401
    with c.session_transaction() as sess:
        sess["sid"] = con.store.open_session("alice")
    assert c.get("/api/fleet").status_code == 200
    c.get("/api/entries?format=csv&site=s2").get_data()
    assert [(x["actor"], x["rows"]) for x in storage.export_log()] == [("alice", 30)]


def expected(**f) -> list[tuple[str, str, int]]:
    def keep(e):
        return all((k == "since" and e["ts"] >= v) or (k == "until" and e["ts"] < v)
                   or (k == "household" and e["credential"]["household"] == v) or e.get(k) == v
                   for k, v in f.items())
    return sorted((e["site"], e["gate"], e["seq"]) for e in ENTRIES if keep(e))


@pytest.mark.parametrize("query, filters", [
    ("site=s2", {"site": "s2"}),
    ("site=s1&gate=g2", {"site": "s1", "gate": "g2"}),
    ("decision=deny", {"decision": "deny"}),
    ("direction=out&gate=g2", {"direction": "out", "gate": "g2"}),
    ("household=1-1-3&site=s1&gate=g2", {"household": "1-1-3", "site": "s1", "gate": "g2"}),
    ("since=2026-11-20T07:00:00Z&until=2026-11-20T07:30:00Z",
     {"since": "2026-11-20T07:00:00.000Z", "until": "2026-11-20T07:30:00.000Z"}),
    ("since=2026-11-21", {"since": "2026-11-21T00:00:00.000Z"}),
    ("until=2026-11-20T06:05:00%2B00:00", {"until": "2026-11-20T06:05:00.000Z"}),
    ("since=2026-11-20T14:00:00%2B08:00&until=2026-11-20T06:03:00Z",     # 14:00 in UTC+8 is 06:00 UTC
     {"since": "2026-11-20T06:00:00.000Z", "until": "2026-11-20T06:03:00.000Z"}),
])
def test_entries_filtered(api_client, query, filters):
    r = api_client.get(f"/api/entries?limit=10000&{query}", headers=AUTH)
    assert r.status_code == 200
    got = sorted((e["site"], e["gate"], e["seq"]) for e in r.get_json()["entries"])
    assert got == expected(**filters) and got


@pytest.mark.parametrize("query, words", [
    ("direction=sideways", "direction must be one of"),
    ("decision=maybe", "decision must be one of"),
    ("since=yesterday", "since must be a date"),
    ("limit=lots", "limit must be a whole number"),
    ("format=pdf", "format must be"),
])
def test_bad_filters_are_refused_in_words(api_client, query, words):
    r = api_client.get(f"/api/entries?{query}", headers=AUTH)
    assert r.status_code == 400 and words in r.get_json()["error"]


def test_csv_export_streams_and_is_logged(api_client, storage):
    r = api_client.get("/api/entries?format=csv&site=s1&gate=g1", headers=AUTH, buffered=False)
    assert r.status_code == 200 and r.is_streamed
    assert r.headers["Content-Type"].startswith("text/csv")
    chunks = iter(r.response)
    first = next(chunks)
    # Rows leave as they are read: the first part is out before the export is complete.
    assert 0 < first.count(b"\n") < 1201
    assert storage.export_log() == []
    body = first + b"".join(chunks)
    r.close()
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8").lstrip("\ufeff"))))
    assert [int(x["序号"]) for x in rows] == list(range(1, 1201))
    assert {x["门岗"] for x in rows} == {"g1"} and rows[9]["结果代码"] == "deny"
    log = storage.export_log()
    assert [(x["actor"], x["format"], x["query"], x["rows"]) for x in log] == \
        [("token@127.0.0.1", "csv", {"site": "s1", "gate": "g1"}, 1200)]


def test_excel_export(api_client, storage):
    r = api_client.get("/api/entries?format=xlsx&decision=deny", headers=AUTH)
    assert r.status_code == 200 and "spreadsheetml" in r.headers["Content-Type"]
    rows = xlsx_rows(r.data)
    head = rows[0]
    got = sorted((row[head.index("小区")], row[head.index("门岗")], row[head.index("序号")]) for row in rows[1:])
    assert got == expected(decision="deny")
    assert storage.export_log()[0]["format"] == "xlsx" and storage.export_log()[0]["rows"] == len(got)
    # The export log is itself readable through the API.
    assert api_client.get("/api/exports", headers=AUTH).get_json()["exports"][0]["query"] == {"decision": "deny"}


def test_fleet_status(api_client, storage):
    storage.record_status("s1", "g1", {"v": 1, "state": "online", "backlog": 7, "version": "1.2.3",
                                       "oldest_unsynced_ts": "2026-11-20T06:00:00.000Z"})
    storage.record_status("s1", "g2", {"v": 1, "state": "offline"})
    gates = {(g["site"], g["gate"]): g for g in api_client.get("/api/fleet", headers=AUTH).get_json()["gates"]}
    g1 = gates[("s1", "g1")]
    assert (g1["status"]["state"], g1["status"]["backlog"], g1["entries"], g1["contiguous_seq"]) == \
        ("online", 7, 1200, 1200)
    assert g1["status_at"] and g1["last_entry_at"] and g1["gap"] is False
    assert gates[("s1", "g2")]["status"]["state"] == "offline"
    assert gates[("s2", "g1")]["status"] is None and gates[("s2", "g1")]["entries"] == 30


def test_commands_say_in_a_line_when_they_cannot_write_their_file(tmp_path, capsys):
    from sync.server.cli import main as server_main

    config = tmp_path / "server.toml"
    config.write_text(f'[server]\nstate_dir = "{tmp_path / "state"}"\n')
    (tmp_path / "a-file").write_text("not a folder")
    key = ["--key", str(tmp_path / "k.pem")]
    for argv, named in ((["export", "--output", str(tmp_path / "no" / "such" / "entries.csv")], "entries.csv"),
                        (["report", "--day", "2026-12-01", "-o", str(tmp_path / "a-file" / "report.xlsx")], "a-file"),
                        (["issue-pass", "--household", "3-2-501", *key, "--sheet", str(tmp_path / "a-file" / "s.html")],
                         "a-file")):
        assert server_main([*argv, *(["--config", str(config)] if argv[0] != "issue-pass" else [])]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"community-server {argv[0]}: {tmp_path}") and named in err, err
        assert "Traceback" not in err
    assert not list((tmp_path / "a-file").parent.glob("**/*.tmp"))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_command(tmp_path, fmt):
    state = tmp_path / "state"
    storage = SQLiteStorage(state / "server.sqlite3")
    for key in sorted({(e["site"], e["gate"]) for e in ENTRIES}):
        storage.store([Batch(*key, [e for e in ENTRIES if (e["site"], e["gate"]) == key])])
    config = tmp_path / "server.toml"
    config.write_text(f'[server]\nstate_dir = "{state}"\n')
    out = tmp_path / f"out.{fmt}"
    r = subprocess.run([sys.executable, "-m", "sync.server.cli", "export", "--config", str(config),
                        "--since", "2026-11-20T06:30:00Z", "--until", "2026-11-20T07:00:00Z", "--gate", "g1",
                        "--format", fmt, "--output", str(out), "--actor", "nightly-report"],
                       capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stderr
    assert "exported 30 entries" in r.stderr
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8").lstrip("\ufeff"))))
        seqs = [int(x["序号"]) for x in rows]
    else:
        table = xlsx_rows(out)
        seqs = [row[table[0].index("序号")] for row in table[1:]]
    assert seqs == list(range(31, 61))
    log = storage.export_log()
    assert [(x["actor"], x["format"], x["rows"]) for x in log] == [("nightly-report", fmt, 30)]
    assert log[0]["query"]["since"] == "2026-11-20T06:30:00.000Z"
    from sync.server.console.store import ConsoleStore

    audit = ConsoleStore(storage).audit_log(action="export")
    assert [(a["actor"], a["detail"]["via"], a["detail"]["rows"]) for a in audit] == [("nightly-report", "cli", 30)]

    bad = subprocess.run([sys.executable, "-m", "sync.server.cli", "export", "--config", str(config),
                          "--since", "last week"], capture_output=True, text=True, cwd=REPO)
    assert bad.returncode == 2 and "since must be a date" in bad.stderr
    storage.close()
