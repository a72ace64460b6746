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
