"""Fixtures of the console tests: a server app on a temporary SQLite database, entries
written by a real kiosk journal (so hashes and chains are genuine), staff accounts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk.journal import Journal
from sync.server.console import init_console
from sync.server.console.auth import create_user
from sync.server.console.config import ConsoleSection

ADMIN = ("alice", "correct horse 1")
VIEWER = ("victor", "battery staple 2")


class Published(list):
    """The registry publisher's seam (``RegistryPublisher.publish``): keeps each version
    in storage as the real one does and records it, but sends nothing; the real one
    over Mosquitto is in the browser tests."""

    def __init__(self, storage) -> None:
        super().__init__()
        self.storage = storage

    def __call__(self, site: str, registry: dict, *, actor: str) -> dict:
        self.append(registry)
        return self.storage.save_registry(site, lambda v: {"site": site, "version": v, "registry": registry}, actor)


def journal_entries(tmp: Path, gate: str, items: list[dict], site: str = "demo-site") -> list[dict]:
    j = Journal(tmp / f"{gate}.sqlite3", site=site, gate=gate)
    try:
        return j.append_many(items)
    finally:
        j.close()


def entry_fields(decision="admit", direction="in", reasons=(), household="3-2-501", pass_id="00112233aabbccdd",
                 temperature=36.6) -> dict:
    return {"direction": direction, "decision": decision, "reasons": list(reasons),
            "credential": {"kind": "pass", "pass_id": pass_id, "household": household},
            "temperature": {"value_c": temperature, "sensor": "sim"}, "operator": None, "visitor": None}


@pytest.fixture
def published(storage):
    return Published(storage)


@pytest.fixture
def console_app(storage, published, tmp_path):
    from sync.server.api import create_app
    from sync.server.passes import load_or_create_key

    app = create_app(storage, secret_key=b"test-secret" * 3, test_config={"TESTING": True})
    con = init_console(app, storage, ConsoleSection(refresh_s=1, page_size=10),
                       pass_key=load_or_create_key(tmp_path / "pass-key.pem", "p1"), publish=published)
    create_user(con.store, *ADMIN, "admin")
    create_user(con.store, *VIEWER, "viewer")
    return app


@pytest.fixture
def client(console_app):
    return console_app.test_client()


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token on the page"
    return m.group(1)


def login(client, name: str, password: str):
    page = client.get("/console/login")
    return client.post("/console/login", data={"name": name, "password": password,
                                               "csrf_token": csrf_of(page.get_data(as_text=True))})


def token(client, path: str = "/console/entries") -> str:
    return csrf_of(client.get(path).get_data(as_text=True))
