"""Fixtures of the notify tests: the local chat service (chat_service.py) and a community
server pushing to it."""

from __future__ import annotations

import pytest

from tests.sync.server.notify.chat_service import Receiver


@pytest.fixture
def chat_service():
    r = Receiver()
    r.thread.start()
    try:
        yield r
    finally:
        r.hold.set()
        r.server.shutdown()
        r.server.server_close()
        r.thread.join(10)


@pytest.fixture
def notifying_server(tmp_path, broker, chat_service):
    """A community server on the test's broker pushing alerts to the local chat service:
    a WeCom robot that works and a DingTalk robot whose secret is wrong."""
    from sync.server import config
    from sync.server.cli import main
    from sync.server.runtime import ServerRuntime
    from tests.waiting import wait_until

    cfg_path = tmp_path / "server.toml"
    cfg_path.write_text(f"""
[server]
state_dir = "state"
[mqtt]
port = {broker.port}
[http]
port = 0
[notify]
retries = 1
retry_first_s = 0.2
[[notify.targets]]
type = "wecom"
url = "{chat_service.url}/wecom?key=k"
name = "值班群"
[[notify.targets]]
type = "dingtalk"
url = "{chat_service.url}/dingtalk?access_token=t"
secret = "SECnot-the-robots"
name = "钉钉群"
""")
    (tmp_path / "pw").write_text("correct horse 1")
    assert main(["add-user", "alice", "--role", "admin", "--config", str(cfg_path),
                 "--password-file", str(tmp_path / "pw")]) == 0
    rt = ServerRuntime(config.load(cfg_path))
    rt.start()
    try:
        wait_until(lambda: rt.collector.link.connected, 30, "the server's collector to connect")
        yield rt
    finally:
        rt.stop()
