"""Server storage: one small interface (``Storage``), two back-ends chosen by config."""

from __future__ import annotations

from sync.server.storage.base import EntryQuery, Storage

__all__ = ["EntryQuery", "Storage", "open_storage"]


def open_storage(cfg) -> Storage:
    """Build the configured back-end from a ``ServerConfig``."""
    if cfg.storage.type == "postgres":
        if not cfg.storage.postgres_dsn:
            from sync.configfile import ConfigError

            raise ConfigError("storage.postgres_dsn: required when storage.type is 'postgres'")
        from sync.server.storage.postgres import PostgresStorage

        return PostgresStorage(cfg.storage.postgres_dsn)
    from sync.server.storage.sqlite import SQLiteStorage

    return SQLiteStorage(cfg.sqlite_path)
