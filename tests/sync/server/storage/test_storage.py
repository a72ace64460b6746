"""The storage interface, run against both back-ends: SQLite and a real PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from kiosk.journal import Journal
from sync.schema import Batch
from sync.server.storage import EntryQuery
from tests.sync.procs import journal_entries


def kiosk_entries(tmp_path, n: int, site="s1", gate="g1") -> list[dict]:
    j = Journal(tmp_path / f"{site}-{gate}.sqlite3", site=site, gate=gate)
    journal_entries(n, j)
    out = list(j.iter_all())
    j.close()
    return out


def batches(site, gate, entries, size):
    return [Batch(site, gate, entries[i:i + size]) for i in range(0, len(entries), size)]


def test_each_entry_is_stored_once_and_acks_are_contiguous(tmp_path, storage):
    es = kiosk_entries(tmp_path, 100)
    assert storage.store(batches("s1", "g1", es[:40], 20)) == {("s1", "g1"): 40}
    # Out of order: 61..100 arrive before 41..60 — the ack waits for the gap to close.
    assert storage.store(batches("s1", "g1", es[60:], 40)) == {("s1", "g1"): 40}
    assert storage.gates()[0]["gap"] is True
    assert storage.store(batches("s1", "g1", es[40:60], 20)) == {("s1", "g1"): 100}
    # Re-sends change nothing.
    assert storage.store(batches("s1", "g1", es, 30)) == {("s1", "g1"): 100}
    assert storage.count_entries(EntryQuery()) == 100
    got = [(i["seq"], i["hash"]) for i in storage.iter_entries(EntryQuery(), chunk=7)]
    assert sorted(got) == [(e["seq"], e["hash"]) for e in es]
    gate = storage.gates()[0]
    assert (gate["contiguous_seq"], gate["max_seq"], gate["entries"], gate["gap"], gate["chain_issues"]) == \
        (100, 100, 100, False, 0)


def test_filters(tmp_path, storage):
    es = kiosk_entries(tmp_path, 30)
    es[3]["decision"] = "deny"   # edited after hashing: stored, filtered, and flagged
    storage.store([Batch("s1", "g1", es)])
    storage.store([Batch("s1", "g2", kiosk_entries(tmp_path, 5, gate="g2"))])
    assert storage.count_entries(EntryQuery(gate="g2")) == 5
    assert [i["seq"] for i in storage.iter_entries(EntryQuery(decision="deny"))] == [4]
    assert storage.count_entries(EntryQuery(household="1-0-0")) == sum(
        1 for e in es if e["credential"]["household"] == "1-0-0") + 1
    assert storage.count_entries(EntryQuery(since="2000-01-01", until="2000-01-02")) == 0
    assert len(list(storage.iter_entries(EntryQuery(limit=3), chunk=2))) == 3
    assert [(i["seq"], i["kind"]) for i in storage.chain_issues()] == [(4, "hash")]


def test_status_rejections_exports_and_registries(storage):
    storage.record_status("s1", "g1", {"v": 1, "state": "online", "backlog": 4})
    assert storage.gates()[0]["status"]["backlog"] == 4
    storage.record_rejection("t", "bad", 3)
    assert storage.rejection_count() == 1
    storage.log_export("alice", "csv", {"site": "s1"}, 12)
    assert storage.export_log()[0] == {"at": pytest.approx(storage.export_log()[0]["at"]), "actor": "alice",
                                       "format": "csv", "query": {"site": "s1"}, "rows": 12}
    env1 = storage.save_registry("s1", lambda v: {"version": v}, "alice")
    env2 = storage.save_registry("s1", lambda v: {"version": v}, "bob")
    assert (env1["version"], env2["version"]) == (1, 2)
    assert storage.latest_registry("s1") == {"version": 2} and storage.registry_sites() == ["s1"]


def test_concurrent_writers_store_each_entry_once(tmp_path, storage):
    es = kiosk_entries(tmp_path, 600)
    results: list = []

    def writer(offset: int):
        # Two collectors see overlapping re-sends of the same gate.
        for b in batches("s1", "g1", es[offset:], 50):
            results.append(storage.store([b]))

    threads = [threading.Thread(target=writer, args=(o,)) for o in (0, 0, 100)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert storage.count_entries(EntryQuery()) == 600
    gate = storage.gates()[0]
    assert (gate["contiguous_seq"], gate["entries"], gate["chain_issues"]) == (600, 600, 0)


def _pass_entries(tmp_path) -> list[dict]:
    """200 entries of 50 passes, and a stranger's code carrying NUL characters (a QR code
    may hold any byte; PostgreSQL's JSON types refuse \\u0000)."""
    j = Journal(tmp_path / "g1.sqlite3", site="s1", gate="g1")
    j.append_many([{"direction": "in", "decision": "admit", "reasons": [], "temperature": {"value_c": 36.5},
                    "credential": {"kind": "pass", "pass_id": f"{i % 50:016x}", "household": "1-1-1"}}
                   for i in range(200)] +
                  [{"direction": "in", "decision": "refer", "reasons": ["unknown_code"], "temperature": None,
                    "credential": {"kind": "code", "hash": "x", "masked": "\x00A**\x00"}}])
    entries = list(j.iter_all())
    j.close()
    return entries


def test_the_entries_of_one_pass_are_found_through_an_index(tmp_path, storage):
    """A contact tracer's first question, "where has this pass been", must not read every
    entry's JSON: the filter is an indexed column, on both back-ends."""
    from sync.server.console.query import ConsoleQuery

    storage.store([Batch("s1", "g1", _pass_entries(tmp_path))])
    assert storage.count_entries(EntryQuery()) == 201
    wanted = f"{7:016x}"
    assert storage.count_entries(ConsoleQuery(pass_id=wanted)) == 4
    assert {i["entry"]["credential"]["pass_id"] for i in storage.iter_entries(ConsoleQuery(pass_id=wanted))} == {wanted}
    assert storage.count_entries(ConsoleQuery(pass_id="ffffffffffffffff")) == 0

    sql = storage._sql(f"EXPLAIN {'QUERY PLAN ' if storage.placeholder == '?' else ''}"
                       "SELECT COUNT(*) FROM entries WHERE pass_id = ?")
    with storage._read() as cur:
        if storage.placeholder != "?":
            cur.execute("SET LOCAL enable_seqscan = off")    # a table this small would be read whole
        cur.execute(sql, (wanted,))
        plan = " ".join(str(part) for row in cur.fetchall() for part in row)
    assert "entries_pass" in plan, plan


def test_a_store_made_before_the_pass_column_gets_it_filled_on_start(tmp_path, storage):
    from sync.server.console.query import ConsoleQuery

    storage.store([Batch("s1", "g1", _pass_entries(tmp_path))])
    with storage._write() as cur:           # as the store was before entries kept their pass id
        cur.execute("DROP INDEX entries_pass")
        cur.execute("ALTER TABLE entries DROP COLUMN pass_id")
    storage.create_schema()                 # what the server does on start
    assert storage.count_entries(ConsoleQuery(pass_id=f"{7:016x}")) == 4
    assert storage.count_entries(EntryQuery()) == 201
