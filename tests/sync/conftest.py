"""Fixtures shared by the server-side tests."""

from __future__ import annotations

import pytest

from sync.server.storage.sqlite import SQLiteStorage


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def storage(request, tmp_path):
    """An empty server store on each back-end the server supports."""
    if request.param == "sqlite":
        s = SQLiteStorage(tmp_path / "server.sqlite3")
    else:
        # Imported here so the SQLite runs need no PostgreSQL driver.
        from sync.server.storage.postgres import PostgresStorage

        s = PostgresStorage(request.getfixturevalue("postgres_dsn"))
    yield s
    s.close()
