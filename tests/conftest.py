"""Shared fixtures: real parts (SQLite files, ptys, Mosquitto) in temporary places."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.places import REPO



@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def loose_umask():
    """The umask of a process started by hand, outside systemd: files 0644 by default."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def broker(tmp_path):
    """A real Mosquitto on a free loopback port, with the project's generated config."""
    from sync.mosquitto import Broker

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


# -- used across packages (server, touchscreen and security tests) -------------------

@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def storage(request, tmp_path):
    """An empty server store on each back-end the server supports."""
    from sync.server.storage.sqlite import SQLiteStorage

    if request.param == "sqlite":
        s = SQLiteStorage(tmp_path / "server.sqlite3")
    else:
        # Imported here so the SQLite runs need no PostgreSQL driver.
        from sync.server.storage.postgres import PostgresStorage

        s = PostgresStorage(request.getfixturevalue("postgres_dsn"))
    yield s
    s.close()


# -- the console, in-process -----------------------------------------------------------

@pytest.fixture
def published(storage):
    """What the console published as registries, kept in storage as the real publisher does."""
    from tests.sync.server.consolekit import Published

    return Published(storage)


@pytest.fixture
def console_app(storage, published, tmp_path):
    """The server app with its console on the test's store, and one admin and one viewer."""
    from sync.server.api import create_app
    from sync.server.console import init_console
    from sync.server.console.auth import create_user
    from sync.server.console.config import ConsoleSection
    from sync.server.passes import load_or_create_key
    from tests.sync.server.consolekit import ADMIN, VIEWER

    app = create_app(storage, secret_key=b"test-secret" * 3, test_config={"TESTING": True})
    con = init_console(app, storage, ConsoleSection(refresh_s=1, page_size=10),
                       pass_key=load_or_create_key(tmp_path / "pass-key.pem", "p1"), publish=published)
    create_user(con.store, *ADMIN, "admin")
    create_user(con.store, *VIEWER, "viewer")
    return app


@pytest.fixture
def runtime(tmp_path):
    """A kiosk runtime on simulated drivers, not started, with the volunteers' PIN set."""
    from werkzeug.security import generate_password_hash

    from kiosk import config
    from kiosk.runtime import KioskRuntime
    from tests.kiosk.web.kiosk_process import PIN

    (tmp_path / "scenario.toml").write_text("[defaults]\ngap_s = 1.0\n")
    cfg = config.from_dict({
        "kiosk": {"state_dir": str(tmp_path / "state")},
        "camera": {"type": "sim"}, "thermometer": {"type": "none"}, "relay": {"type": "sim"},
        "ui": {"port": 0, "pin_hash": generate_password_hash(PIN, method="pbkdf2:sha256:1000")},
        "mqtt": {"enabled": False},
        "sim": {"scenario": str(tmp_path / "scenario.toml")},
    })
    rt = KioskRuntime(cfg)
    yield rt
    rt.stop()


CHROMIUM = "/usr/bin/chromium"
# As config/systemd/kiosk-browser.sh starts it: sounds play with nobody touching the screen.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium, headless, through Playwright."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (scripts/setup.sh dev installs it)")
    from playwright.sync_api import expect, sync_playwright

    # An expect() returns as soon as the page agrees; its 5 s default is too short for a
    # page and a kiosk sharing two loaded cores with the rest of the suite.
    expect.set_options(timeout=20_000)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def pytest_collection_modifyitems(items):
    """Longest files first. `make test` hands whole files to its workers in this order
    (--dist loadfile), so the long fault suites and browser files start at once and
    the short files fill in around them, instead of a long file left for last holding
    up the whole run."""
    def expected_length(item) -> int:
        if item.get_closest_marker("slow"):
            return 0
        return 1 if item.get_closest_marker("browser") else 2

    items.sort(key=expected_length)
