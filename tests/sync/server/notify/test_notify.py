"""Fever and quarantine-exit alerts pushed to the staff's group chat: each service's
documented payload and signature checked by a real local HTTP receiver, retries with
back-off, a hung service never holding up the collector, failures on the gates page, and
an alert from a kiosk through a real broker arriving within 5 s."""

from __future__ import annotations

import time
from functools import partial
from zoneinfo import ZoneInfo

import pytest

from sync.server.config import ConfigError, from_dict
from sync.server.notify import Notifier
from sync.server.notify.config import NotifySection
from tests.sync.server.notify.chat_service import SECRET
from tests.waiting import wait_until

TZ = ZoneInfo("Asia/Shanghai")
FULL_NAME, ID_NUMBER = "张伟强", "11010519491231002X"


def fever(seq: int, **extra) -> dict:
    return {"seq": seq, "ts": "2026-12-03T05:48:00.000Z", "decision": "deny", "reasons": ["fever"],
            "credential": {"kind": "id_number", "masked": "110105********002X", "household": "3-2-501",
                           "name": FULL_NAME},
            "visitor": {"name": FULL_NAME}, "temperature": {"value_c": 38.4}, **extra}


def notifier(url: str, kind: str, **section) -> Notifier:
    target = {"type": kind, "url": url}
    if kind in ("dingtalk", "feishu"):
        target["secret"] = section.pop("secret", SECRET)
    cfg = NotifySection(targets=[target], retry_first_s=0.1, **section)
    n = Notifier(cfg, tz=TZ)
    n.start()
    return n


@pytest.mark.parametrize("kind,path", [("wecom", "/wecom?key=abc"), ("dingtalk", "/dingtalk?access_token=t"),
                                       ("feishu", "/feishu"), ("webhook", "/webhook")])
def test_each_service_gets_its_documented_payload_signed(chat_service, kind, path):
    n = notifier(chat_service.url + path, kind)
    try:
        n.offer("demo-site", "north", [fever(1), {**fever(2), "reasons": [], "decision": "admit"}])
        (got,) = wait_until(lambda: chat_service.accepted(path.split("?")[0]), 10, f"the {kind} alert")
    finally:
        n.stop()
    body = got["body"]
    text = body.get("text") if kind == "webhook" else (body["content"]["text"] if kind == "feishu"
                                                       else body["text"]["content"])
    assert text.startswith("【发热警报】demo-site north")
    assert "13:48:00（北京时间 UTC+8）" in text and "3-2-501" in text and "38.4 °C" in text and "禁止（发热）" in text
    # Never a full name nor an ID number, not even masked.
    assert FULL_NAME not in text and ID_NUMBER not in text and "110105" not in text
    assert got["content_type"].startswith("application/json")
    assert n.status[kind]["ok"] is True and n.status[kind]["sent"] == 1
    assert len(chat_service.received) == 1   # the admitted entry is no alert


@pytest.mark.parametrize("kind", ["dingtalk", "feishu"])
def test_a_wrong_secret_is_refused_and_shown_as_a_failure(chat_service, kind):
    n = notifier(chat_service.url + f"/{kind}", kind, secret="SECwrong", retries=1)
    try:
        n.offer("demo-site", "north", [fever(1)])
        wait_until(lambda: n.status[kind]["failed"] == 1, 10, "the refused alert to be given up")
    finally:
        n.stop()
    assert len(chat_service.received) == 2 and all(r["refused"] for r in chat_service.received)
    assert n.status[kind]["ok"] is False and "310000" in n.status[kind]["error"]


def test_a_failing_service_is_retried_with_back_off(chat_service):
    chat_service.fail_next = 2
    n = notifier(chat_service.url + "/wecom", "wecom")
    try:
        started = time.monotonic()
        n.offer("demo-site", "north", [fever(1)])
        wait_until(lambda: chat_service.accepted("/wecom"), 20, "the alert after two failures")
        # Waits of 0.1 s then 0.2 s between the three attempts.
        assert time.monotonic() - started >= 0.3
    finally:
        n.stop()
    assert n.status["wecom"]["ok"] is True and n.status["wecom"]["failed"] == 0


def test_a_hung_service_never_holds_up_the_collector(chat_service):
    chat_service.hold.clear()
    n = notifier(chat_service.url + "/webhook", "webhook", timeout_s=30)
    try:
        started = time.monotonic()
        for seq in range(1, 201):
            n.offer("demo-site", "north", [fever(seq)])
        offered_in = time.monotonic() - started
        # Two hundred alerts were handed over while the first send is still hanging.
        assert chat_service.received == [] and offered_in < 5
        # The same entry stored twice (a batch sent again) is pushed once.
        n.offer("demo-site", "north", [fever(1)])
        chat_service.hold.set()
        wait_until(lambda: len(chat_service.accepted("/webhook")) == 200, 60, "every alert to be delivered")
    finally:
        n.stop()


def test_bad_notify_settings_are_refused_with_the_key():
    with pytest.raises(ConfigError, match="url"):
        from_dict({"notify": {"targets": [{"type": "wecom", "url": "ftp://x"}]}})
    with pytest.raises(ConfigError, match="secret"):
        from_dict({"notify": {"targets": [{"type": "wecom", "url": "https://x", "secret": "s"}]}})
    with pytest.raises(ConfigError, match="type"):
        from_dict({"notify": {"targets": [{"type": "qq", "url": "https://x"}]}})
    with pytest.raises(ConfigError, match="name"):
        from_dict({"notify": {"targets": [{"type": "webhook", "url": "https://a"}, {"type": "webhook", "url": "https://b"}]}})


def _console_page(rt, path: str) -> str:
    """A console page as a logged-in admin sees it, over real HTTP."""
    import re
    import urllib.parse
    import urllib.request
    from http.cookiejar import CookieJar

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    login = opener.open(rt.http_url + "console/login").read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    form = urllib.parse.urlencode({"name": "alice", "password": "correct horse 1", "csrf_token": csrf}).encode()
    opener.open(rt.http_url + "console/login", data=form).read()
    return opener.open(rt.http_url + "console/" + path).read().decode()


def test_a_kiosks_fever_reaches_the_group_within_5_s(tmp_path, broker, notifying_server, chat_service):
    from kiosk import config
    from kiosk.journal import Journal
    from sync.outbox import Outbox

    cfg = config.from_dict({"mqtt": {"port": broker.port, "batch_size": 10, "linger_ms": 20}})
    journal_path = tmp_path / "kiosk.sqlite3"
    journal = Journal(journal_path, site="demo-site", gate="north")
    outbox = Outbox(cfg.mqtt, site="demo-site", gate="north",
                    open_journal=partial(Journal, journal_path, site="demo-site", gate="north"))
    outbox.start()
    try:
        journal.append({"direction": "out", "decision": "admit", "reasons": [],
                        "credential": {"kind": "pass", "pass_id": "00112233aabbccdd", "household": "1-1-101"},
                        "temperature": {"value_c": 36.5, "sensor": "sim"}})
        journal.append({"direction": "out", "decision": "deny", "reasons": ["quarantine_exit"],
                        "credential": {"kind": "pass", "pass_id": "00112233aabbccdd", "household": "1-1-101"},
                        "temperature": {"value_c": 36.6, "sensor": "sim"}})
        journaled = time.monotonic()
        outbox.wake()
        (got,) = wait_until(lambda: chat_service.accepted("/wecom"), 15, "the quarantine-exit alert in the group")
        assert time.monotonic() - journaled <= 5.0
        assert got["body"]["text"]["content"].startswith("【隔离外出警报】demo-site north")
        # The DingTalk robot refuses the wrong secret: the gates page says so.
        wait_until(lambda: notifying_server.notifier.status["钉钉群"]["failed"] == 1, 15, "the refusal given up")
        page = _console_page(notifying_server, "gates")
        assert 'data-name="值班群"' in page and "正常：最近一次" in page
        assert 'data-testid="chat-failed"' in page and "发送失败" in page and "310000" in page
    finally:
        outbox.stop()
        journal.close()
