"""An overstay reaches the group chat once, in Chinese, with the site's zone named and
never the visitor's name, through a real local HTTP receiver."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sync.schema import Batch
from sync.server.notify import Notifier
from sync.server.notify.config import NotifySection
from sync.server.overstay import OverstayWatch
from tests.sync.server.consolekit import entry_fields, journal_entries
from tests.waiting import wait_until


def test_an_overstay_is_pushed_once_without_a_name(storage, tmp_path, chat_service):
    tomorrow = datetime.now(timezone.utc).date() + timedelta(days=1)
    end = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 9, 0, tzinfo=timezone.utc)    # 17:00 in Beijing
    fields = entry_fields("admit", "in", household="5-1-101", pass_id="0011223344556677")
    fields["credential"].update(kind="pass", role="visitor", valid_until=end.isoformat(), name_masked="张*")
    storage.store([Batch("demo-site", "north", journal_entries(tmp_path, "north", [fields]))])
    n = Notifier(NotifySection(targets=[{"type": "webhook", "url": chat_service.url + "/webhook"}]),
                 tz=ZoneInfo("Asia/Shanghai"))
    n.start()
    try:
        watch = OverstayWatch(storage, 10, on_new=n.offer_overstay)
        assert watch.check(end + timedelta(minutes=11)) == 1
        assert watch.check(end + timedelta(minutes=20)) == 0
        (got,) = wait_until(lambda: chat_service.accepted("/webhook"), 10, "the overstay message")
    finally:
        n.stop()
    text = got["body"]["text"]
    assert text.startswith("【逾期未离开】demo-site north")
    assert f"通行证截止：{end:%m-%d} 17:00:00（北京时间 UTC+8）" in text and "5-1-101" in text
    assert "张" not in text
    assert len(chat_service.received) == 1
