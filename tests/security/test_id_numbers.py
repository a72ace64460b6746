"""Finding 5: a clear ID number typed into free text (the volunteer's name, an override
reason, a visitor's answers) reaches no store: the kiosk masks or refuses it, the
collector masks any that still arrive and records that it did."""

from __future__ import annotations

from sync.entry import entry_hash
from sync import schema, topics
from sync.server.storage import EntryQuery
from tests.kiosk.web.forms import csrf_token
from tests.kiosk.web.kiosk_process import PIN
from tests.security.idnumbers import ID_MASKED, ID_NUMBER

SQLITE_FILES = ("*.sqlite3", "*.sqlite3-wal", "*.sqlite3-shm")


def _refer(rt) -> dict:
    return rt.journal.append({"direction": "in", "credential": {"kind": "unknown"}, "temperature": {"value_c": None},
                              "decision": "refer", "reasons": ["unknown_code"], "operator": None, "visitor": None})


def _grep(root, text: str) -> list[str]:
    """Every SQLite file under ``root`` (databases, -wal and -shm) that holds ``text``."""
    found = []
    for pattern in SQLITE_FILES:
        for path in root.rglob(pattern):
            data = path.read_bytes()
            if any(v.encode() in data for v in (text, text.lower())):
                found.append(path.name)
    return found


def _forged_batch(entry: dict, *, escaped: bool = False) -> bytes:
    """A kiosk account's own batch holding a clear number, hashed as a kiosk would;
    ``escaped``: its digits spelt as JSON escapes, which parse to the same text."""
    forged = {**entry, "seq": entry["seq"] + 1, "id": "forged0001", "prev_hash": entry["hash"],
              "visitor": {"coming_from": f"身份证 {ID_NUMBER}"}, "operator": {"name": ID_NUMBER, "reason": "x"}}
    forged["hash"] = entry_hash({k: v for k, v in forged.items() if k != "hash"})
    payload = schema.encode_batch(entry["site"], entry["gate"], [forged])
    if escaped:
        payload = payload.replace(ID_NUMBER.encode(), "".join(f"\\u{ord(c):04x}" for c in ID_NUMBER).encode())
        assert ID_NUMBER.encode() not in payload
    return payload


def test_no_clear_id_number_reaches_any_store(kiosk, runtime, collector, tmp_path):
    h = {"X-CSRFToken": csrf_token(kiosk)}
    r = kiosk.post("/volunteer/unlock", json={"pin": PIN, "operator": f"王 {ID_NUMBER}"}, headers=h)
    assert r.status_code == 200 and ID_NUMBER not in r.get_data(as_text=True)

    e = _refer(runtime)
    r = kiosk.post(f"/referrals/{e['id']}/override", headers=h,
                   json={"decision": "admit", "reason": f"核对身份证{ID_NUMBER}无误"})
    assert r.status_code == 200
    override = runtime.journal.recent(1)[0]
    assert override["operator"] == {"name": f"王 {ID_MASKED}", "reason": f"核对身份证{ID_MASKED}无误"}

    form = {"name": "李华", "phone": "13800138000", "id_number": ID_NUMBER, "going_to": "3-2-501",
            "coming_from": f"来自 {ID_NUMBER}", "heading_to": "回家", "contact": "no", "symptoms": "no"}
    r = kiosk.post("/visitors/", json=form, headers=h)
    assert r.status_code == 400 and r.get_json()["fields"] == {"coming_from": "身份证号只能填在身份证号一栏"}
    r = kiosk.post("/visitors/", json={**form, "coming_from": "海淀"}, headers=h)
    assert r.status_code == 200         # the number in its own field: kept masked and hashed only

    # Everything the kiosk journaled, through the collector, plus a batch forged by a kiosk account.
    entries = runtime.journal.entries_after(0)
    site, gate = entries[0]["site"], entries[0]["gate"]
    topic = topics.ENTRIES.format(site, gate)
    collector.handle([(topic, schema.encode_batch(site, gate, entries)), (topic, _forged_batch(entries[-1]))])
    stored = {i["seq"]: i["entry"] for i in collector.storage.iter_entries(EntryQuery(site=site, gate=gate))}
    assert stored[entries[-1]["seq"] + 1]["visitor"] == {"coming_from": f"身份证 {ID_MASKED}"}
    assert collector.masked_id_numbers == 2
    # The same sent again with the digits escaped: found and masked all the same.
    collector.handle([(topic, _forged_batch(entries[-1], escaped=True))])
    assert collector.masked_id_numbers == 4
    assert any("2 clear ID number(s) masked" in x["reason"] for x in collector.storage.rejections())

    assert _grep(tmp_path, ID_NUMBER) == [], "a clear ID number in a database file"
    names = {p.name for pattern in SQLITE_FILES for p in tmp_path.rglob(pattern)}
    assert {"journal.sqlite3", "journal.sqlite3-wal", "visitors.sqlite3", "server.sqlite3-wal"} <= names


def test_the_grep_finds_a_clear_number(tmp_path):
    """The check above would see a number written in clear, in a -wal file too."""
    import sqlite3

    db = sqlite3.connect(tmp_path / "x.sqlite3")
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (v TEXT)")
        db.execute("INSERT INTO t VALUES (?)", (f"from {ID_NUMBER.lower()}",))
        db.commit()
        assert _grep(tmp_path, ID_NUMBER) == ["x.sqlite3-wal"]
    finally:
        db.close()


def test_an_id_number_typed_as_a_console_login_name_is_kept_masked(console_app, console, tmp_path):
    from tests.sync.server.consolekit import login

    assert login(console, ID_NUMBER, "any password").status_code == 401
    audit = console_app.extensions["console"].store.audit_log(action="login_failed")
    assert [a["actor"] for a in audit] == [ID_MASKED]
    assert _grep(tmp_path, ID_NUMBER) == []
