"""The kiosk's durable journal of entries (SQLite, WAL, synchronous=FULL).

The checkpoint only appends; the sync outbox only reads entries and records the
server's acknowledgement. Each opens its own ``Journal`` (its own connection), so
either side can crash without harming the other. ``append`` returns only after the
entry is on disk: the gate opens after that, never before.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

from kiosk import clock
from sync.entry import GENESIS_HASH, chain_entry, new_entry, verify_chain
from sync.privatefile import private_database

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    seq   INTEGER PRIMARY KEY,
    id    TEXT NOT NULL UNIQUE,
    ts    TEXT NOT NULL,
    hash  TEXT NOT NULL,
    body  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_ref ON entries (json_extract(body, '$.ref'));
"""


class AlreadySettled(ValueError):
    """An entry that refers to ``ref`` (an override of it) is in the journal already."""


class Journal:
    def __init__(self, path: str | Path, *, site: str, gate: str) -> None:
        self.path = Path(path)
        self.site = site
        self.gate = gate
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One connection guarded by a lock: the web UI's threads and the checkpoint
        # thread share a Journal; the outbox opens its own.
        self._db = sqlite3.connect(private_database(self.path), isolation_level=None, check_same_thread=False,
                                   timeout=30)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- the checkpoint side ------------------------------------------------------

    def append(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Make an entry of ``fields`` now, write it durably and return it complete
        (seq, id, ts, hashes)."""
        return self.append_many([fields])[0]

    def append_settlement(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Append an entry that settles the entry ``fields["ref"]``, once: raises
        AlreadySettled when one did already (checked in the same write transaction, so two
        volunteers pressing at once cannot both settle it)."""
        return self.append_many([fields], settles=fields["ref"])[0]

    def append_many(self, items: list[dict[str, Any]], *, settles: str | None = None) -> list[dict[str, Any]]:
        with self._transaction() as db:
            if settles is not None and db.execute(
                    "SELECT 1 FROM entries WHERE json_extract(body, '$.ref') = ? LIMIT 1", (settles,)).fetchone():
                raise AlreadySettled(settles)
            # Made inside the write lock, so seq order is time order; one stamp per write.
            stamp = clock.stamp()
            return self._chain(db, [new_entry(fields, site=self.site, gate=self.gate, stamp=stamp)
                                    for fields in items])

    def append_made(self, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Write entries made earlier by ``new_entry`` (held while the disk was full):
        each keeps the id, time and clock stamp it was made with; only its place in the
        chain is new."""
        with self._transaction() as db:
            return self._chain(db, entries)

    def _chain(self, db: sqlite3.Connection, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        row = db.execute("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
        # Empty, or every entry purged: go on from the anchor.
        seq, prev = row if row is not None else _purge_anchor(db)
        out = []
        for made in entries:
            seq += 1
            entry = chain_entry(made, seq, prev)
            prev = entry["hash"]
            db.execute("INSERT INTO entries(seq, id, ts, hash, body) VALUES (?,?,?,?,?)",
                       (seq, entry["id"], entry["ts"], entry["hash"], json.dumps(entry, ensure_ascii=False)))
            out.append(entry)
        return out

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction under the lock: committed when the block ends, rolled
        back when it raises."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:   # SQLite may already have rolled back (disk full)
                    self._db.execute("ROLLBACK")
                raise

    # -- the sync side -------------------------------------------------------------

    def entries_after(self, seq: int, limit: int = 500) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT body FROM entries WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit)
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def bodies_after(self, seq: int, limit: int = 500) -> list[tuple[int, str]]:
        """Like ``entries_after`` but as stored JSON texts, so the outbox sends them unparsed."""
        with self._lock:
            return self._db.execute(
                "SELECT seq, body FROM entries WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit)
            ).fetchall()

    def acked_seq(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key='acked_seq'").fetchone()
        return int(row[0]) if row else 0

    def record_ack(self, seq: int) -> bool:
        """Record that the server durably holds every entry up to ``seq``.

        Acks only move forward and never past what was journaled; returns whether it moved.
        """
        with self._transaction() as db:
            last = db.execute("SELECT COALESCE(MAX(seq), 0) FROM entries").fetchone()[0]
            row = db.execute("SELECT value FROM meta WHERE key='acked_seq'").fetchone()
            current = int(row[0]) if row else 0
            new = min(seq, last)
            moved = new > current
            if moved:
                db.execute(
                    "INSERT INTO meta(key, value) VALUES('acked_seq', ?) "
                    "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                    (str(new),),
                )
        return moved

    # -- read-only views -----------------------------------------------------------

    def last_seq(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM entries").fetchone()[0]

    def backlog(self) -> int:
        return max(0, self.last_seq() - self.acked_seq())

    def get(self, entry_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT body FROM entries WHERE id=?", (entry_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def entries_since(self, when: datetime) -> list[dict[str, Any]]:
        """Entries stamped at or after ``when``, oldest first."""
        cutoff = when.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        with self._lock:
            rows = self._db.execute("SELECT body FROM entries WHERE ts >= ? ORDER BY seq", (cutoff,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def recent(self, limit: int = 20) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT body FROM entries ORDER BY seq DESC LIMIT ?", (limit,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def iter_all(self, batch: int = 1000) -> Iterator[dict[str, Any]]:
        seq = 0
        while chunk := self.entries_after(seq, batch):
            yield from chunk
            seq = chunk[-1]["seq"]

    # -- retention -------------------------------------------------------------------

    def purge(self, retention: timedelta, now: datetime | None = None) -> int:
        """Delete entries older than ``retention`` that the server has acknowledged,
        never one it has not. The hash of the last purged entry is kept, so the chain
        of what remains still verifies. Returns how many were deleted."""
        now = now or datetime.now(timezone.utc)
        cutoff = (now - retention).astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        with self._transaction() as db:
            row = db.execute("SELECT value FROM meta WHERE key='acked_seq'").fetchone()
            acked = int(row[0]) if row else 0
            # Only a prefix of the chain goes, up to the first entry that must stay.
            keep = db.execute(
                "SELECT MIN(seq) FROM entries WHERE seq > ? OR ts >= ?", (acked, cutoff)).fetchone()[0]
            last = db.execute(
                "SELECT seq, hash FROM entries WHERE seq < ? ORDER BY seq DESC LIMIT 1",
                (keep if keep is not None else 2**62,)).fetchone()
            deleted = 0
            if last is not None:
                deleted = db.execute("DELETE FROM entries WHERE seq <= ?", (last[0],)).rowcount
                db.executemany(
                    "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                    [("purged_seq", str(last[0])), ("purged_hash", last[1])])
        return deleted

    def verify(self) -> int | None:
        """Seq of the first entry whose chain does not hold, or None."""
        with self._lock:
            start, prev = _purge_anchor(self._db)
        expected = start + 1
        for entry in self.iter_all():
            bad = verify_chain([entry], prev) if entry["seq"] == expected else entry["seq"]
            if bad is not None:
                return bad
            prev, expected = entry["hash"], expected + 1
        return None


def _purge_anchor(db: sqlite3.Connection) -> tuple[int, str]:
    """Seq and hash of the last purged entry, from which the chain goes on (0 and the
    genesis hash when nothing was purged)."""
    rows = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('purged_seq', 'purged_hash')").fetchall())
    return int(rows.get("purged_seq", 0)), rows.get("purged_hash", GENESIS_HASH)
