"""PostgreSQL storage: for a district with many communities and several collectors.

Two collectors may store batches of the same gate at once (a re-send can reach either
through the shared subscription): each locks the gate's progress row (``FOR UPDATE``)
inside its transaction, so the contiguous seq and the hash-chain check see one order.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sync.server.storage.base import Storage


class PostgresStorage(Storage):
    placeholder = "%s"

    def __init__(self, dsn: str) -> None:
        super().__init__()
        self.dsn = dsn
        self._init_schema()

    def _init_schema(self) -> None:
        import psycopg

        # Several processes may start at once; an advisory lock serialises CREATE IF NOT EXISTS.
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(71200311)")
            try:
                self.create_schema()
            finally:
                conn.execute("SELECT pg_advisory_unlock(71200311)")

    def _connect(self):
        import psycopg

        return psycopg.connect(self.dsn, autocommit=False)

    def _lock_gate_sql(self) -> str:
        return super()._lock_gate_sql() + " FOR UPDATE"

    @contextmanager
    def _write(self) -> Iterator:
        conn = self._conn()
        try:
            with conn.cursor() as cur:
                yield cur
        except BaseException:
            conn.rollback()
            raise
        else:
            conn.commit()

    @contextmanager
    def _read(self) -> Iterator:
        conn = self._conn()
        try:
            with conn.cursor() as cur:
                yield cur
        finally:
            # End the implicit transaction, so the next read sees new rows.
            conn.rollback()
