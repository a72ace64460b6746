"""Declarations kept on the server, beside the entries (same storage, SQLite or
PostgreSQL). An entry made with a visitor's pass names its ``pass_id``, which is the
declaration's key: that is the link between what the visitor declared and where they
went. The ID number is never kept: its keyed hash and masked form only. A question not
asked (the site's questions follow its screening mode) is kept as NULL, beside the
``questions_version`` that was answered.
"""

from __future__ import annotations

import time
from typing import Any

from sync.server.storage import Storage

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS visitor_declarations (
        pass_id TEXT PRIMARY KEY, site TEXT NOT NULL, household TEXT NOT NULL,
        name TEXT NOT NULL, phone TEXT NOT NULL, origin TEXT, heading_to TEXT,
        contact INTEGER, symptoms INTEGER, id_hash TEXT, id_masked TEXT,
        invitation TEXT, pass_text TEXT NOT NULL, not_before DOUBLE PRECISION NOT NULL,
        expires DOUBLE PRECISION NOT NULL, created_at DOUBLE PRECISION NOT NULL, questions_version INTEGER)""",
    "CREATE INDEX IF NOT EXISTS visitor_declarations_at ON visitor_declarations (created_at)",
]
COLUMNS = ("pass_id", "site", "household", "name", "phone", "origin", "heading_to", "contact", "symptoms",
           "id_hash", "id_masked", "invitation", "pass_text", "not_before", "expires", "created_at",
           "questions_version")


class DeclarationStore:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        with storage._write() as cur:
            for stmt in SCHEMA:
                cur.execute(stmt)
            if not storage._has_column(cur, "visitor_declarations", "questions_version"):
                # Made before the questions followed the mode: every question was asked then.
                cur.execute("ALTER TABLE visitor_declarations ADD COLUMN questions_version INTEGER")

    def add(self, row: dict[str, Any]) -> None:
        # Answers are 0/1 (or NULL: not asked) in both databases.
        values = [int(v) if isinstance(v, bool) else v for v in (row.get(c) for c in COLUMNS)]
        with self.storage._write() as cur:
            cur.execute(self.storage._sql(f"INSERT INTO visitor_declarations ({', '.join(COLUMNS)}) "
                                          f"VALUES ({', '.join('?' * len(COLUMNS))})"), values)

    def get(self, pass_id: str) -> dict[str, Any] | None:
        rows = self._select("WHERE pass_id = ?", [pass_id])
        return rows[0] if rows else None

    def recent(self, limit: int = 200) -> list[dict[str, Any]]:
        return self._select(f"ORDER BY created_at DESC LIMIT {int(limit)}", [])

    def _select(self, tail: str, params: list) -> list[dict[str, Any]]:
        with self.storage._read() as cur:
            cur.execute(self.storage._sql(f"SELECT {', '.join(COLUMNS)} FROM visitor_declarations {tail}"), params)
            rows = [dict(zip(COLUMNS, r)) for r in cur.fetchall()]
        for r in rows:
            for k in ("contact", "symptoms"):
                r[k] = None if r[k] is None else bool(r[k])
        return rows

    def purge(self, older_than_s: float, now: float | None = None) -> int:
        """Delete declarations made more than ``older_than_s`` ago; entries are not touched."""
        cutoff = (now or time.time()) - older_than_s
        with self.storage._write() as cur:
            cur.execute(self.storage._sql("DELETE FROM visitor_declarations WHERE created_at < ?"), (cutoff,))
            return cur.rowcount


class InvitationStore:
    """Links an admin made for a household's expected visitor: the household and the
    window are fixed by the link, the visitor fills in the rest."""

    SCHEMA = """CREATE TABLE IF NOT EXISTS visitor_invitations (
        token TEXT PRIMARY KEY, household TEXT NOT NULL, not_before DOUBLE PRECISION NOT NULL,
        expires DOUBLE PRECISION NOT NULL, created_by TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL)"""
    COLUMNS = ("token", "household", "not_before", "expires", "created_by", "created_at")

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        with storage._write() as cur:
            cur.execute(self.SCHEMA)

    def add(self, token: str, household: str, not_before: float, expires: float, by: str) -> None:
        with self.storage._write() as cur:
            cur.execute(self.storage._sql("INSERT INTO visitor_invitations VALUES (?, ?, ?, ?, ?, ?)"),
                        (token, household, not_before, expires, by, time.time()))

    def valid(self, token: str, now: float | None = None) -> dict[str, Any] | None:
        """The invitation, while it has not run out."""
        rows = self._select("WHERE token = ? AND expires > ?", [token, now or time.time()])
        return rows[0] if rows else None

    def recent(self, limit: int = 50) -> list[dict[str, Any]]:
        return self._select(f"ORDER BY created_at DESC LIMIT {int(limit)}", [])

    def purge(self, older_than_s: float, now: float | None = None) -> int:
        with self.storage._write() as cur:
            cur.execute(self.storage._sql("DELETE FROM visitor_invitations WHERE expires < ?"),
                        ((now or time.time()) - older_than_s,))
            return cur.rowcount

    def _select(self, tail: str, params: list) -> list[dict[str, Any]]:
        with self.storage._read() as cur:
            cur.execute(self.storage._sql(f"SELECT {', '.join(self.COLUMNS)} FROM visitor_invitations {tail}"),
                        params)
            return [dict(zip(self.COLUMNS, r)) for r in cur.fetchall()]
