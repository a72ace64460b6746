"""Fixtures of the security tests: the console and the touchscreen as the other suites
build them (on the root conftest's storage, console_app, runtime and chromium), a broker with the generated accounts,
and the ID number an attacker types into free text."""

from __future__ import annotations

import pytest



@pytest.fixture
def console(console_app):
    """A browser on the console (Flask's test client: its own cookie jar)."""
    return console_app.test_client()


@pytest.fixture
def kiosk_app(runtime):
    from kiosk.web import create_app

    return create_app(runtime)


@pytest.fixture
def kiosk(kiosk_app):
    """A browser on the touchscreen."""
    return kiosk_app.test_client()


@pytest.fixture
def site_broker(tmp_path):
    """A real Mosquitto with the accounts and listener lines `community-server
    broker-config` writes: a server account and kiosks s1/g1 and s1/g2."""
    from sync.mosquitto import Broker
    from sync.server.broker_setup import KioskId, security_lines, write_broker_config

    conf = tmp_path / "brokerconf"
    creds = write_broker_config(conf, [KioskId("s1", "g1"), KioskId("s1", "g2")])
    b = Broker(tmp_path / "broker", allow_anonymous=False, extra=security_lines(conf, tls=False))
    b.start()
    b.creds = creds
    yield b
    b.stop()


@pytest.fixture
def collector(tmp_path):
    """The server's collector on a SQLite store in ``tmp_path/server``, not connected:
    ``handle`` is fed messages as the broker would hand them over."""
    from sync.server import config as server_config
    from sync.server.collector import Collector
    from sync.server.storage.sqlite import SQLiteStorage

    cfg = server_config.from_dict({"server": {"state_dir": str(tmp_path / "server")}, "http": {"enabled": False}})
    storage = SQLiteStorage(tmp_path / "server" / "server.sqlite3")
    c = Collector(cfg.mqtt, storage, client_id="test-collector")
    yield c
    storage.close()


@pytest.fixture
def kiosk_http(kiosk_app):
    """The touchscreen served over real HTTP by waitress (as `kiosk run` serves it), with
    enough worker threads to take many requests at once; yields its base URL."""
    from sync.httpserver import BackgroundServer

    server = BackgroundServer(kiosk_app, name="ui-test", host="127.0.0.1", port=0, threads=16)
    server.start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


@pytest.fixture
def console_http(console_app):  # noqa: F811
    """The console served over real HTTP by waitress, as the server serves it."""
    from sync.httpserver import BackgroundServer

    server = BackgroundServer(console_app, name="console-test", host="127.0.0.1", port=0, threads=8)
    server.start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()
