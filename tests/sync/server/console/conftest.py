"""Fixtures of the office console's browser tests: a real community server with its
console on a real Mosquitto shared by the test module (a server per test is too slow),
and pages of the root conftest's Chromium."""

from __future__ import annotations

import pytest

from tests.sync.server.consolekit import ADMIN, SITE, SIZES, VIEWER, logged_in_page


@pytest.fixture(scope="module")
def console_broker(tmp_path_factory):
    from sync.mosquitto import Broker

    b = Broker(tmp_path_factory.mktemp("broker"))
    b.start()
    try:
        yield b
    finally:
        b.stop()


def _run_console_server(root, broker_port: int, console_keys: str = ""):
    """A started ServerRuntime with its console (and an admin and a viewer) on the broker at
    ``broker_port``; ``console_url`` is the console's address."""
    from sync.server import config
    from sync.server.cli import main
    from sync.server.runtime import ServerRuntime
    from tests.waiting import wait_until

    cfg_path = root / "server.toml"
    cfg_path.write_text(f"""
[server]
state_dir = "state"
[mqtt]
port = {broker_port}
[http]
port = 0
[console]
site = "{SITE}"
refresh_s = 1
{console_keys}
""")
    for (name, password), role in ((ADMIN, "admin"), (VIEWER, "viewer")):
        (root / "pw").write_text(password)
        assert main(["add-user", name, "--role", role, "--config", str(cfg_path),
                     "--password-file", str(root / "pw")]) == 0
    rt = ServerRuntime(config.load(cfg_path))
    rt.start()
    try:
        wait_until(lambda: rt.collector.link.connected, 30, "the server's collector to connect to the broker")
    except BaseException:
        rt.stop()
        raise
    rt.console_url = rt.http_url + "console/"
    return rt


@pytest.fixture(scope="module")
def console_server(tmp_path_factory, console_broker):
    """The console with 20 entries to a page, for the desk tests that page through a few."""
    rt = _run_console_server(tmp_path_factory.mktemp("server"), console_broker.port, "page_size = 20")
    try:
        yield rt
    finally:
        rt.stop()


@pytest.fixture(scope="module")
def office(tmp_path_factory, console_broker):
    """The console as installed: its default page size."""
    rt = _run_console_server(tmp_path_factory.mktemp("server"), console_broker.port)
    try:
        yield rt
    finally:
        rt.stop()


@pytest.fixture
def office_own_broker(tmp_path, broker):
    """A server of its own on the test's broker, which the test may stop and start."""
    (tmp_path / "server").mkdir()
    rt = _run_console_server(tmp_path / "server", broker.port)
    try:
        yield rt
    finally:
        rt.stop()


@pytest.fixture
def page(chromium):
    """A desk's page that keeps what it downloads."""
    ctx = chromium.new_context(accept_downloads=True, viewport={"width": 1360, "height": 860})
    try:
        pg = ctx.new_page()
        pg.set_default_timeout(10_000)
        yield pg
    finally:
        ctx.close()


@pytest.fixture(params=sorted(SIZES))
def screen(request, chromium, office):
    """A page logged in to the console as the admin, at each checked size in turn."""
    ctx = chromium.new_context(accept_downloads=True, viewport=SIZES[request.param])
    try:
        pg = logged_in_page(ctx, office)
        pg.size = request.param
        yield pg
    finally:
        ctx.close()
