"""Fixtures of the visitor page's tests: the server's app with the console (households,
pass key) and the public page, on a temporary database."""

from __future__ import annotations

import re

import pytest

from sync.server.console import init_console
from sync.server.console.auth import create_user
from sync.server.console.config import ConsoleSection
from sync.server.visitors import init_visitor_page, make_registrar
from sync.server.visitors.config import VisitorsSection

HOUSEHOLD = ("3", "2", "501")
ID_KEY = b"i" * 32
ADMIN = ("alice", "correct horse 1")
VIEWER = ("victor", "battery staple 2")


@pytest.fixture
def visitor_settings():
    return VisitorsSection()


@pytest.fixture
def pass_key(tmp_path):
    from sync.server.passes import load_or_create_key

    return load_or_create_key(tmp_path / "pass-key.pem", "p1")


@pytest.fixture
def visitor_app(storage, pass_key, visitor_settings, published):
    from sync.server.api import create_app

    app = create_app(storage, secret_key=b"test-secret" * 3, test_config={"TESTING": True})
    # The console publishes (its 防疫模式 sets the questions the page asks) into storage.
    con = init_console(app, storage, ConsoleSection(), pass_key=pass_key, publish=published)
    con.store.upsert_household(*HOUSEHOLD)
    create_user(con.store, *ADMIN, "admin")
    create_user(con.store, *VIEWER, "viewer")
    registrar = make_registrar(storage, pass_key, visitor_settings, site="demo-site", timezone_name="Asia/Shanghai",
                               id_key=ID_KEY)
    init_visitor_page(app, registrar, b"f" * 32)
    app.extensions["visitor_settings"] = visitor_settings   # as the server's runtime does
    return app


@pytest.fixture
def phone(visitor_app):
    """A visitor's browser: keeps the page's cookie, as a phone does."""
    return visitor_app.test_client()


@pytest.fixture
def fill(phone):
    """fill(**changes) -> the response to a filled-in form, posted with the form's own token."""

    def post(ip: str = "203.0.113.7", lang: str = "zh", query: str = "", **changes):
        page = phone.get(f"/v/?lang={lang}{query}")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
        data = {"csrf_token": token, "lang": lang, "name": "张伟", "phone": "13800138000", "building": "3",
                "unit": "2", "room": "501", "province": "410000", "origin": "410100", "heading_to": "探亲",
                "contact": "no", "symptoms": "no", "id_number": ""}
        data.update(changes)
        return phone.post(f"/v/?lang={lang}", data={k: v for k, v in data.items() if v is not None},
                          environ_base={"REMOTE_ADDR": ip})

    return post
