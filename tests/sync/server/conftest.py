"""Fixtures shared by the server-side tests."""

from __future__ import annotations

import pytest



@pytest.fixture
def client(console_app):
    return console_app.test_client()


# -- the console in Chromium, against a real server and broker (one per test module) --------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def console_broker(tmp_path_factory):
    """A real Mosquitto shared by one module's browser tests (a server per test is too slow)."""
    from sync.mosquitto import Broker

    b = Broker(tmp_path_factory.mktemp("broker"))
    b.start()
    yield b
    b.stop()


@pytest.fixture(scope="module")
def console_server(tmp_path_factory, console_broker):
    """A community server with its console, on the module's broker; ``console_url`` is its address."""
    from sync.server import config
    from sync.server.cli import main
    from sync.server.runtime import ServerRuntime
    from tests.sync.server.consolekit import ADMIN, SITE, VIEWER
    from tests.waiting import wait_until

    root = tmp_path_factory.mktemp("server")
    cfg_path = root / "server.toml"
    cfg_path.write_text(f"""
[server]
state_dir = "state"
[mqtt]
port = {console_broker.port}
[http]
port = 0
[console]
site = "{SITE}"
refresh_s = 1
page_size = 20
""")
    for (name, password), role in ((ADMIN, "admin"), (VIEWER, "viewer")):
        (root / "pw").write_text(password)
        assert main(["add-user", name, "--role", role, "--config", str(cfg_path),
                     "--password-file", str(root / "pw")]) == 0
    rt = ServerRuntime(config.load(cfg_path))
    rt.start()
    try:
        wait_until(lambda: rt.collector.link.connected, 30, "the console server's collector to connect to the broker")
        rt.console_url = rt.http_url + "console/"
        yield rt
    finally:
        rt.stop()


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(accept_downloads=True, viewport={"width": 1360, "height": 860})
    try:
        pg = ctx.new_page()
        pg.set_default_timeout(10_000)
        yield pg
    finally:
        ctx.close()
