"""The journal's hash chain shows an edit or a gap, retention never drops what the
server has not acknowledged, and kill -9 at any instant leaves a whole, chained journal."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import datetime, timedelta, timezone

import pytest

from kiosk.cli import main as kiosk_main
from kiosk.journal import Journal


def _fields(i: int) -> dict:
    return {"direction": "in", "credential": {"kind": "pass", "pass_id": f"{i:016x}"}, "temperature": None,
            "decision": "admit", "reasons": [], "operator": None, "visitor": None, "ref": None}


@pytest.fixture
def journal(tmp_path):
    j = Journal(tmp_path / "journal.sqlite3", site="s1", gate="g1")
    for i in range(10):
        j.append(_fields(i))
    yield j
    j.close()


def _edit(path, seq, change):
    with closing(sqlite3.connect(path)) as db:
        body = json.loads(db.execute("SELECT body FROM entries WHERE seq=?", (seq,)).fetchone()[0])
        change(body)
        db.execute("UPDATE entries SET body=? WHERE seq=?", (json.dumps(body), seq))
        db.commit()


def test_intact_journal_verifies(journal, capsys):
    assert journal.verify() is None
    assert kiosk_main(["journal", "verify", "--journal", str(journal.path)]) == 0
    assert json.loads(capsys.readouterr().out) == {"journal": str(journal.path), "ok": True, "first_bad_seq": None,
                                                   "last_seq": 10}


def test_an_edited_entry_is_named(journal, capsys):
    _edit(journal.path, 4, lambda e: e.update(decision="deny"))
    assert journal.verify() == 4
    assert kiosk_main(["journal", "verify", "--journal", str(journal.path)]) == 1
    assert json.loads(capsys.readouterr().out)["first_bad_seq"] == 4


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(journal):
    from sync.entry import entry_hash

    def forge(e):
        e["decision"] = "deny"
        e["hash"] = entry_hash(e)
    _edit(journal.path, 4, forge)
    assert journal.verify() == 5


def test_a_deleted_entry_is_a_gap(journal):
    with closing(sqlite3.connect(journal.path)) as db:
        db.execute("DELETE FROM entries WHERE seq=6")
        db.commit()
    assert journal.verify() == 7


def test_purge_keeps_what_the_server_has_not_acknowledged(journal):
    later = datetime.now(timezone.utc) + timedelta(days=30)
    assert journal.purge(timedelta(days=28), later) == 0            # nothing acked yet
    journal.record_ack(6)
    assert journal.purge(timedelta(days=28), datetime.now(timezone.utc)) == 0   # acked but young
    assert journal.purge(timedelta(days=28), later) == 6
    assert [e["seq"] for e in journal.iter_all()] == [7, 8, 9, 10]
    assert journal.verify() is None                                 # the chain still holds from the anchor


def test_after_purging_everything_seq_and_chain_go_on(journal):
    journal.record_ack(10)
    assert journal.purge(timedelta(days=1), datetime.now(timezone.utc) + timedelta(days=2)) == 10
    e = journal.append(_fields(99))
    assert e["seq"] == 11
    assert journal.verify() is None


WRITER = r"""
import sys
from kiosk.journal import Journal
j = Journal(sys.argv[1], site="s1", gate="g1")
i = 0
while True:
    i += 1
    j.append({"direction": "in", "credential": {"kind": "code", "hash": "%064x" % i}, "decision": "admit",
              "reasons": [], "temperature": None, "operator": None, "visitor": None, "ref": None})
    if i % 3 == 0:
        j.append_many([{"direction": "out", "decision": "refer", "reasons": ["x"]}] * 2)
"""


@pytest.mark.slow
def test_kill_9_at_random_moments_never_leaves_half_an_entry(tmp_path):
    path = tmp_path / "journal.sqlite3"
    rng = random.Random(7)
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    counts = []
    for _ in range(25):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], env=env)
        time.sleep(0.3 + rng.random() * 0.4)    # past start-up, then somewhere inside a write
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        j = Journal(path, site="s1", gate="g1")
        try:
            assert j.verify() is None
            seqs = [e["seq"] for e in j.iter_all()]
            assert seqs == list(range(1, len(seqs) + 1))
            counts.append(len(seqs))
        finally:
            j.close()
    assert counts == sorted(counts) and counts[-1] > counts[0]
