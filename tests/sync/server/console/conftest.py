"""Fixtures of the office console's browser tests: one real community server with its
console on a real Mosquitto per module, and pages of the root conftest's Chromium at a
phone's and a desk's size."""

from __future__ import annotations

import pytest

SITE = "demo-site"
ADMIN = ("alice", "correct horse 1")
# The sizes the console is checked at: a 390x844 phone and a 1366x768 office laptop.
SIZES = {"phone": {"width": 390, "height": 844}, "desk": {"width": 1366, "height": 768}}


@pytest.fixture(scope="module")
def office_broker(tmp_path_factory):
    from sync.mosquitto import Broker

    b = Broker(tmp_path_factory.mktemp("broker"))
    b.start()
    try:
        yield b
    finally:
        b.stop()


def _run_office(root, broker_port: int):
    """A started ServerRuntime with its console on the broker at ``broker_port``."""
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
""")
    (root / "pw").write_text(ADMIN[1])
    assert main(["add-user", ADMIN[0], "--role", "admin", "--config", str(cfg_path),
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
def office(tmp_path_factory, office_broker):
    """A community server with its console; ``console_url`` is the console's address."""
    rt = _run_office(tmp_path_factory.mktemp("server"), office_broker.port)
    try:
        yield rt
    finally:
        rt.stop()


@pytest.fixture
def office_own_broker(tmp_path, broker):
    """A server of its own on the test's broker, which the test may stop and start."""
    (tmp_path / "server").mkdir()
    rt = _run_office(tmp_path / "server", broker.port)
    try:
        yield rt
    finally:
        rt.stop()


def log_in(context, rt):
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.goto(rt.console_url)
    pg.get_by_test_id("login-name").fill(ADMIN[0])
    pg.get_by_test_id("login-password").fill(ADMIN[1])
    pg.get_by_test_id("login-submit").click()
    pg.get_by_test_id("user-name").wait_for(state="attached")
    return pg


@pytest.fixture(params=sorted(SIZES))
def screen(request, chromium, office):
    """A page logged in to the console as the admin, at each checked size in turn."""
    ctx = chromium.new_context(accept_downloads=True, viewport=SIZES[request.param])
    try:
        pg = log_in(ctx, office)
        pg.size = request.param
        yield pg
    finally:
        ctx.close()
