"""The server's storage interface, and the SQL that SQLite and PostgreSQL share.

Everything the collector, the API and the admin console need goes through ``Storage``.
The two back-ends differ only in how they connect, begin a write transaction and lock
one gate's progress row; the rest is the same SQL (both speak ``ON CONFLICT``, row
values and ``FOR UPDATE``-free reads).

Exactly once: ``(site, gate, seq)`` is the primary key and rows are inserted with
``ON CONFLICT DO NOTHING``; each gate's ``contiguous_seq`` (the highest seq below which
nothing is missing) moves only inside the transaction that stored the rows, and the
collector acks it only after that transaction committed.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from abc import ABC, abstractmethod
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from typing import Any, Callable, Iterator, Sequence

from sync.clockfix import corrected_times
from sync.entry import GENESIS_HASH, canonical
from sync.screening import ENFORCE
from sync.schema import Batch

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS entries (
        site TEXT NOT NULL, gate TEXT NOT NULL, seq BIGINT NOT NULL,
        id TEXT NOT NULL, ts TEXT NOT NULL, direction TEXT NOT NULL, decision TEXT NOT NULL,
        household TEXT, credential_kind TEXT, pass_id TEXT, reasons TEXT NOT NULL, temperature_c DOUBLE PRECISION,
        screening TEXT, hash TEXT NOT NULL, prev_hash TEXT NOT NULL, hash_ok INTEGER NOT NULL,
        body TEXT NOT NULL, received_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (site, gate, seq))""",
    "CREATE INDEX IF NOT EXISTS entries_ts ON entries (ts, site, gate, seq)",
    "CREATE INDEX IF NOT EXISTS entries_household ON entries (household, ts)",
    # "Where has this pass been" is the question a contact tracer asks first.
    "CREATE INDEX IF NOT EXISTS entries_pass ON entries (pass_id, ts)",
    """CREATE TABLE IF NOT EXISTS gates (
        site TEXT NOT NULL, gate TEXT NOT NULL,
        contiguous_seq BIGINT NOT NULL DEFAULT 0, tip_hash TEXT NOT NULL,
        max_seq BIGINT NOT NULL DEFAULT 0, entry_count BIGINT NOT NULL DEFAULT 0,
        last_entry_at DOUBLE PRECISION, status TEXT, status_at DOUBLE PRECISION,
        PRIMARY KEY (site, gate))""",
    """CREATE TABLE IF NOT EXISTS chain_issues (
        site TEXT NOT NULL, gate TEXT NOT NULL, seq BIGINT NOT NULL, kind TEXT NOT NULL,
        detail TEXT NOT NULL, found_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (site, gate, seq, kind))""",
    """CREATE TABLE IF NOT EXISTS rejections (
        at DOUBLE PRECISION NOT NULL, topic TEXT NOT NULL, reason TEXT NOT NULL, size BIGINT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS registries (
        site TEXT NOT NULL, version BIGINT NOT NULL, envelope TEXT NOT NULL,
        published_at DOUBLE PRECISION NOT NULL, actor TEXT NOT NULL,
        PRIMARY KEY (site, version))""",
    # Entries made before their kiosk's clock was synchronised, waiting for a later
    # synchronised moment of the same boot to place them (sync/clockfix.py).
    """CREATE TABLE IF NOT EXISTS clock_pending (
        site TEXT NOT NULL, gate TEXT NOT NULL, seq BIGINT NOT NULL,
        boot_id TEXT NOT NULL, mono_s DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (site, gate, seq))""",
    """CREATE TABLE IF NOT EXISTS export_log (
        at DOUBLE PRECISION NOT NULL, actor TEXT NOT NULL, format TEXT NOT NULL,
        query TEXT NOT NULL, rows BIGINT NOT NULL)""",
]

ENTRY_COLUMNS = ("site", "gate", "seq", "id", "ts", "direction", "decision", "household", "credential_kind", "pass_id",
                 "reasons", "temperature_c", "screening", "hash", "prev_hash", "hash_ok", "received_at")


@dataclass
class EntryQuery:
    """Filters of the entries list and exports; every field optional."""

    site: str | None = None
    gate: str | None = None
    since: str | None = None       # ISO 8601 (date or date-time, UTC), inclusive
    until: str | None = None       # ISO 8601, exclusive
    direction: str | None = None
    decision: str | None = None
    household: str | None = None
    screening: str | None = None   # the mode the entries were decided under (sync/screening.py)
    limit: int | None = None

    def where(self) -> tuple[str, list[Any]]:
        clauses, params = [], []
        for key in ("site", "gate", "direction", "decision", "household", "screening"):
            value = getattr(self, key)
            if value is not None:
                clauses.append(f"{key} = ?")
                params.append(value)
        if self.since:
            clauses.append("ts >= ?")
            params.append(self.since)
        if self.until:
            clauses.append("ts < ?")
            params.append(self.until)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def describe(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


def _text(obj: Any, key: str) -> str | None:
    """obj[key] when obj is a dict and the value a string: an entry's fields, as received."""
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, str) else None


def _row_of(site: str, gate: str, e: dict[str, Any], now: float) -> tuple:
    cred = e.get("credential") if isinstance(e.get("credential"), dict) else {}
    temp = e.get("temperature") if isinstance(e.get("temperature"), dict) else {}
    value = temp.get("value_c")
    return (site, gate, e["seq"], e["id"], e["ts"], e["direction"], e["decision"],
            _text(cred, "household"), _text(cred, "kind"), _text(cred, "pass_id"),
            ",".join(e.get("reasons") or []),
            float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None,
            # An entry from before the screening modes was decided as enforce decides.
            e.get("screening") or ENFORCE,
            e["hash"], e["prev_hash"], *_hash_check_and_body(e), now)


def _hash_check_and_body(e: dict[str, Any]) -> tuple[int, str]:
    """(1 when the entry matches its hash, the body to store). One serialisation serves
    both: the body is the canonical form the hash covers, with the hash after it (the
    drain spends a third of the collector's time turning entries into JSON)."""
    text = canonical(e)
    body = text[:-1].decode("utf-8") + f',"hash":"{e["hash"]}"}}'    # validated: 64 hex digits
    return int(hashlib.sha256(text).hexdigest() == e["hash"]), body


class Storage(ABC):
    """What the server keeps. One instance is shared by threads; each thread gets its own connection."""

    placeholder = "?"

    def __init__(self) -> None:
        self._local = threading.local()
        self._all_conns: list[Any] = []
        self._conns_lock = threading.Lock()

    # -- back-end hooks --------------------------------------------------------------

    @abstractmethod
    def _connect(self) -> Any: ...

    @abstractmethod
    @contextmanager
    def _write(self) -> Iterator[Any]:
        """A write transaction; yields a cursor."""

    @abstractmethod
    @contextmanager
    def _read(self) -> Iterator[Any]:
        """A read; yields a cursor."""

    def _lock_gate_sql(self) -> str:
        return "SELECT contiguous_seq, tip_hash, max_seq FROM gates WHERE site = ? AND gate = ?"

    # -- plumbing --------------------------------------------------------------------

    def _conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
            with self._conns_lock:
                self._all_conns.append(conn)
        return conn

    def _sql(self, sql: str) -> str:
        return sql if self.placeholder == "?" else sql.replace("?", self.placeholder)

    def create_schema(self) -> None:
        with self._write() as cur:
            if self._has_table(cur, "entries") and not self._has_column(cur, "entries", "pass_id"):
                self._add_pass_id_column(cur)
            if self._has_table(cur, "entries") and not self._has_column(cur, "entries", "screening"):
                # Every entry stored before the column was decided under enforce.
                cur.execute(f"ALTER TABLE entries ADD COLUMN screening TEXT DEFAULT '{ENFORCE}'")
            for stmt in SCHEMA:
                cur.execute(stmt)

    def _add_pass_id_column(self, cur) -> None:
        """A store made before entries kept their pass id: add the column and fill it from
        the stored bodies, once. (Read in Python: PostgreSQL's JSON types refuse the
        \\u0000 a code shown to the camera may carry.)"""
        cur.execute("ALTER TABLE entries ADD COLUMN pass_id TEXT")
        cur.execute("SELECT site, gate, seq, body FROM entries WHERE body LIKE '%\"pass_id\"%'")
        rows = [(_text(json.loads(body).get("credential"), "pass_id"), site, gate, seq)
                for site, gate, seq, body in cur.fetchall()]
        cur.executemany(self._sql("UPDATE entries SET pass_id = ? WHERE site = ? AND gate = ? AND seq = ?"),
                        [r for r in rows if r[0] is not None])

    def _has_table(self, cur, table: str) -> bool:
        cur.execute(self._sql("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() "
                              "AND table_name = ?"), (table,))
        return cur.fetchone() is not None

    def _has_column(self, cur, table: str, column: str) -> bool:
        cur.execute(self._sql("SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
                              "AND table_name = ? AND column_name = ?"),
                    (table, column))
        return cur.fetchone() is not None

    def close(self) -> None:
        with self._conns_lock:
            conns, self._all_conns = self._all_conns, []
        for conn in conns:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing on the way out
                pass
        self._local = threading.local()

    # -- the collector's side ----------------------------------------------------------

    def store(self, batches: Sequence[Batch]) -> dict[tuple[str, str], int]:
        """Store the entries of validated batches, each (site, gate, seq) once, in one
        transaction. Returns, per gate touched, the highest seq up to which every entry
        is now stored — what may be acked once this returns."""
        by_gate: dict[tuple[str, str], dict[int, dict]] = defaultdict(dict)
        for b in batches:
            for e in b.entries:
                by_gate[(b.site, b.gate)][e["seq"]] = e
        now = time.time()
        out: dict[tuple[str, str], int] = {}
        q = self._sql
        with self._write() as cur:
            # Sorted, so two collectors locking several gates never deadlock.
            for site, gate in sorted(by_gate):
                entries = by_gate[(site, gate)]
                cur.execute(q("INSERT INTO gates (site, gate, tip_hash) VALUES (?, ?, ?) "
                              "ON CONFLICT (site, gate) DO NOTHING"), (site, gate, GENESIS_HASH))
                cur.execute(q(self._lock_gate_sql()), (site, gate))
                contig, tip, max_seq = cur.fetchone()
                lo, hi = min(entries), max(entries)
                cur.execute(q("SELECT seq, hash FROM entries WHERE site = ? AND gate = ? AND seq BETWEEN ? AND ?"),
                            (site, gate, lo, hi))
                have = dict(cur.fetchall())
                new = [e for s, e in sorted(entries.items()) if s not in have]
                fresh = [_row_of(site, gate, e, now) for e in new]
                issues = [(site, gate, s, "conflict", f"a different entry for seq {s} was already stored", now)
                          for s, e in entries.items() if s in have and have[s] != e["hash"]]
                if fresh:
                    cur.executemany(q(f"INSERT INTO entries ({', '.join(ENTRY_COLUMNS)}, body) "
                                      f"VALUES ({', '.join('?' * (len(ENTRY_COLUMNS) + 1))}) "
                                      "ON CONFLICT (site, gate, seq) DO NOTHING"),
                                    [r[:-2] + (r[-1], r[-2]) for r in fresh])
                self._fix_clocks(cur, site, gate, new)
                contig, tip, more = self._advance(cur, site, gate, contig, tip, now)
                issues += more
                if issues:
                    cur.executemany(q("INSERT INTO chain_issues (site, gate, seq, kind, detail, found_at) "
                                      "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"), issues)
                cur.execute(q("UPDATE gates SET contiguous_seq = ?, tip_hash = ?, max_seq = ?, "
                              "entry_count = entry_count + ?, last_entry_at = ? WHERE site = ? AND gate = ?"),
                            (contig, tip, max(max_seq, hi), len(fresh), now, site, gate))
                out[(site, gate)] = contig
        return out

    def _advance(self, cur, site: str, gate: str, contig: int, tip: str, now: float):
        """Move the gate's contiguous seq over what is now stored, checking the hash chain."""
        issues = []
        chunk = 5000
        while True:
            # A range, not "seq > contig": behind a gap may lie any number of stored rows.
            cur.execute(self._sql("SELECT seq, prev_hash, hash, hash_ok FROM entries "
                                  "WHERE site = ? AND gate = ? AND seq > ? AND seq <= ? ORDER BY seq"),
                        (site, gate, contig, contig + chunk))
            rows = cur.fetchall()
            start = contig
            for seq, prev_hash, hash_, hash_ok in rows:
                if seq != contig + 1:
                    break
                if not hash_ok:
                    issues.append((site, gate, seq, "hash", "the entry does not match its hash (edited?)", now))
                if prev_hash != tip:
                    issues.append((site, gate, seq, "link", "prev_hash does not match the entry before", now))
                contig, tip = seq, hash_
            if contig - start < chunk:
                return contig, tip, issues

    def _fix_clocks(self, cur, site: str, gate: str, fresh: list[dict[str, Any]],
                    anchors: Sequence[dict[str, Any]] = ()) -> None:
        """Give entries made before the kiosk's clock was synchronised their real time in
        the ``ts`` column (the body keeps what the kiosk wrote, so its hash holds)."""
        q = self._sql
        waiting = [(site, gate, e["seq"], e["boot_id"], float(e["mono_s"])) for e in fresh
                   if e.get("clock_synced") is False and isinstance(e.get("boot_id"), str) and e["boot_id"]
                   and isinstance(e.get("mono_s"), (int, float)) and not isinstance(e.get("mono_s"), bool)]
        if waiting:
            cur.executemany(q("INSERT INTO clock_pending (site, gate, seq, boot_id, mono_s) VALUES (?, ?, ?, ?, ?) "
                              "ON CONFLICT DO NOTHING"), waiting)
        known = [*fresh, *anchors]
        for boot in {e.get("boot_id") for e in known if e.get("clock_synced") is True and e.get("boot_id")}:
            cur.execute(q("SELECT seq, mono_s FROM clock_pending WHERE site = ? AND gate = ? AND boot_id = ?"),
                        (site, gate, boot))
            pending = [{"seq": seq, "mono_s": mono, "boot_id": boot, "clock_synced": False}
                       for seq, mono in cur.fetchall()]
            fixes = corrected_times(pending, [e for e in known if e.get("boot_id") == boot]) if pending else {}
            if fixes:
                cur.executemany(q("UPDATE entries SET ts = ? WHERE site = ? AND gate = ? AND seq = ?"),
                                [(ts, site, gate, seq) for seq, ts in fixes.items()])
                cur.executemany(q("DELETE FROM clock_pending WHERE site = ? AND gate = ? AND seq = ?"),
                                [(site, gate, seq) for seq in fixes])

    def contiguous_seq(self, site: str, gate: str) -> int:
        with self._read() as cur:
            cur.execute(self._sql("SELECT contiguous_seq FROM gates WHERE site = ? AND gate = ?"), (site, gate))
            row = cur.fetchone()
        return int(row[0]) if row else 0

    def record_status(self, site: str, gate: str, status: dict[str, Any]) -> None:
        with self._write() as cur:
            cur.execute(self._sql("INSERT INTO gates (site, gate, tip_hash, status, status_at) VALUES (?, ?, ?, ?, ?) "
                                  "ON CONFLICT (site, gate) DO UPDATE SET status = excluded.status, "
                                  "status_at = excluded.status_at"),
                        (site, gate, GENESIS_HASH, json.dumps(status, ensure_ascii=False), time.time()))
            # A synchronised status is a moment of the kiosk's boot too.
            self._fix_clocks(cur, site, gate, [], [status])

    def record_rejection(self, topic: str, reason: str, size: int) -> None:
        with self._write() as cur:
            cur.execute(self._sql("INSERT INTO rejections (at, topic, reason, size) VALUES (?, ?, ?, ?)"),
                        (time.time(), topic[:300], reason[:500], size))

    # -- the API's side ------------------------------------------------------------------

    def iter_entries(self, query: EntryQuery, chunk: int = 2000) -> Iterator[dict[str, Any]]:
        """Entries oldest first (by time, then gate and seq), read in chunks so an export
        of millions of rows streams in constant memory."""
        where, params = query.where()
        cols = ", ".join(ENTRY_COLUMNS) + ", body"
        key: tuple | None = None
        left = query.limit
        while left is None or left > 0:
            n = chunk if left is None else min(chunk, left)
            sql = f"SELECT {cols} FROM entries{where}"
            args = list(params)
            if key is not None:
                sql += (" AND " if where else " WHERE ") + "(ts, site, gate, seq) > (?, ?, ?, ?)"
                args += list(key)
            sql += f" ORDER BY ts, site, gate, seq LIMIT {int(n)}"
            with self._read() as cur:
                cur.execute(self._sql(sql), args)
                rows = cur.fetchall()
            for row in rows:
                item = dict(zip(ENTRY_COLUMNS, row[:-1]))
                item["entry"] = json.loads(row[-1])
                yield item
            if len(rows) < n:
                return
            last = rows[-1]
            key = (last[4], last[0], last[1], last[2])
            if left is not None:
                left -= len(rows)

    def count_entries(self, query: EntryQuery) -> int:
        where, params = query.where()
        with self._read() as cur:
            cur.execute(self._sql(f"SELECT COUNT(*) FROM entries{where}"), params)
            return int(cur.fetchone()[0])

    def gates(self) -> list[dict[str, Any]]:
        with self._read() as cur:
            cur.execute("SELECT g.site, g.gate, g.contiguous_seq, g.max_seq, g.entry_count, g.last_entry_at, "
                        "g.status, g.status_at, (SELECT COUNT(*) FROM chain_issues c "
                        "WHERE c.site = g.site AND c.gate = g.gate) FROM gates g ORDER BY g.site, g.gate")
            rows = cur.fetchall()
        out = []
        for site, gate, contig, max_seq, count, last_at, status, status_at, issues in rows:
            out.append({"site": site, "gate": gate, "contiguous_seq": contig, "max_seq": max_seq,
                        "entries": count, "last_entry_at": last_at, "gap": max_seq > contig,
                        "chain_issues": issues, "status": json.loads(status) if status else None,
                        "status_at": status_at})
        return out

    def chain_issues(self, site: str | None = None, gate: str | None = None) -> list[dict[str, Any]]:
        q = EntryQuery(site=site, gate=gate)
        where, params = q.where()
        with self._read() as cur:
            cur.execute(self._sql(f"SELECT site, gate, seq, kind, detail, found_at FROM chain_issues{where} "
                                  "ORDER BY site, gate, seq"), params)
            return [dict(zip(("site", "gate", "seq", "kind", "detail", "found_at"), r)) for r in cur.fetchall()]

    def rejections(self, limit: int = 100) -> list[dict[str, Any]]:
        with self._read() as cur:
            cur.execute(self._sql("SELECT at, topic, reason, size FROM rejections ORDER BY at DESC LIMIT ?"), (limit,))
            return [dict(zip(("at", "topic", "reason", "size"), r)) for r in cur.fetchall()]

    def rejection_count(self) -> int:
        with self._read() as cur:
            cur.execute("SELECT COUNT(*) FROM rejections")
            return int(cur.fetchone()[0])

    def log_export(self, actor: str, fmt: str, query: dict[str, Any], rows: int) -> None:
        with self._write() as cur:
            cur.execute(self._sql("INSERT INTO export_log (at, actor, format, query, rows) VALUES (?, ?, ?, ?, ?)"),
                        (time.time(), actor, fmt, json.dumps(query, ensure_ascii=False, sort_keys=True), rows))

    def export_log(self, limit: int = 100) -> list[dict[str, Any]]:
        with self._read() as cur:
            cur.execute(self._sql("SELECT at, actor, format, query, rows FROM export_log ORDER BY at DESC LIMIT ?"),
                        (limit,))
            return [{"at": a, "actor": who, "format": f, "query": json.loads(q), "rows": n}
                    for a, who, f, q, n in cur.fetchall()]

    # -- registries ---------------------------------------------------------------------

    def save_registry(self, site: str, build: Callable[[int], dict[str, Any]], actor: str) -> dict[str, Any]:
        """Store the next version of a site's registry: ``build(version)`` returns the signed
        envelope. Versions only grow; two writers at once cannot take the same one."""
        with self._write() as cur:
            cur.execute(self._sql("SELECT COALESCE(MAX(version), 0) FROM registries WHERE site = ?"), (site,))
            version = int(cur.fetchone()[0]) + 1
            envelope = build(version)
            cur.execute(self._sql("INSERT INTO registries (site, version, envelope, published_at, actor) "
                                  "VALUES (?, ?, ?, ?, ?)"),
                        (site, version, json.dumps(envelope, ensure_ascii=False), time.time(), actor))
        return envelope

    def latest_registry(self, site: str) -> dict[str, Any] | None:
        with self._read() as cur:
            cur.execute(self._sql("SELECT envelope FROM registries WHERE site = ? ORDER BY version DESC LIMIT 1"),
                        (site,))
            row = cur.fetchone()
        return json.loads(row[0]) if row else None

    def registry_sites(self) -> list[str]:
        with self._read() as cur:
            cur.execute("SELECT DISTINCT site FROM registries ORDER BY site")
            return [r[0] for r in cur.fetchall()]
