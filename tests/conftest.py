"""Shared fixtures: real parts (SQLite files, ptys, Mosquitto) in temporary places."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def broker(tmp_path):
    """A real Mosquitto on a free loopback port, with the project's generated config."""
    from sync.broker import Broker

    b = Broker(tmp_path / "broker")
    b.start()
    yield b
    b.stop()


@pytest.fixture(scope="session")
def postgres_server():
    """One real PostgreSQL for the session (tests marked ``postgres`` use it)."""
    from tests import pg

    if not pg.available():
        pytest.skip("PostgreSQL server binaries not installed (scripts/setup.sh dev installs them)")
    server = pg.PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture
def postgres_dsn(postgres_server, request):
    """A fresh, empty database on the session's PostgreSQL."""
    import re

    name = "t_" + re.sub(r"\W", "_", request.node.name)[:50].lower()
    return postgres_server.create_database(name)
