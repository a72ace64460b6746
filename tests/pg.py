"""A throw-away PostgreSQL server for tests: initdb in a temporary directory, a free
loopback port, stopped at the end. initdb refuses root, so as root it runs as nobody."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from sync.mosquitto import free_port
from tests.waiting import wait_until

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def available() -> bool:
    return (PG_BIN / "initdb").exists() and (PG_BIN / "pg_ctl").exists()


def _as_owner(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "nobody", "--", *cmd] if os.geteuid() == 0 else cmd


class PostgresServer:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="pg-test-"))
        self.port = free_port()
        self.data = self.dir / "data"

    def start(self) -> "PostgresServer":
        if os.geteuid() == 0:
            shutil.chown(self.dir, "nobody", "nogroup")
        subprocess.run(_as_owner([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                                  "--no-sync", "-E", "UTF8"]), check=True, capture_output=True)
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off -c max_connections=200"
        subprocess.run(_as_owner([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"),
                                  "-o", opts, "-w", "start"]), check=True, capture_output=True)
        return self

    def dsn(self, dbname: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.dsn(name)

    def stop(self) -> None:
        subprocess.run(_as_owner([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def wait_ready(dsn: str, timeout: float = 60) -> None:
    import psycopg

    def accepts() -> bool:
        try:
            psycopg.connect(dsn).close()
            return True
        except psycopg.OperationalError:
            return False

    wait_until(accepts, timeout, f"PostgreSQL to accept connections at {dsn}")
