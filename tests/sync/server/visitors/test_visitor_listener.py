"""`[visitors] listen`: the public page on a listener of its own, with nothing of the
console there, so it can face the internet while the console stays inside."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from sync.mosquitto import free_port
from sync.server import config as server_config
from sync.server.runtime import ServerRuntime


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture
def server(tmp_path, broker):
    port = free_port()
    cfg = server_config.from_dict({"server": {"state_dir": str(tmp_path / "srv")}, "mqtt": {"port": broker.port},
                                   "http": {"port": 0}, "visitors": {"listen": f"127.0.0.1:{port}"}})
    rt = ServerRuntime(cfg)
    rt.start()
    yield rt, port
    rt.stop()


def test_the_visitor_page_has_its_own_listener_without_the_console(server):
    rt, port = server
    public = f"http://127.0.0.1:{port}"
    assert rt.visitor_url == f"{public}/v/"
    assert _status(public + "/v/") == 200
    assert _status(public + "/console/login") == 404
    assert _status(public + "/api/entries") == 404
    assert _status(rt.http_url + "v/") == 404             # and the inside listener does not serve it
    assert _status(rt.http_url + "console/login") == 200
