"""Overstay alerts: a visitor admitted in and not seen out by the end of their pass is
one alert on the console's alerts page and in the group chat; on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sync.schema import Batch
from sync.server.console.store import ConsoleStore
from sync.server.overstay import OverstayWatch
from tests.sync.server.consolekit import ADMIN, entry_fields, journal_entries, login, token

NOW = datetime.now(timezone.utc)
END = NOW + timedelta(hours=2)
GRACE_MIN = 30
VISITOR = "0011223344556677"


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds").replace("+00:00", "Z")


def _fields(direction: str, *, pass_id: str = VISITOR, role: str = "visitor", end: datetime = END) -> dict:
    e = entry_fields("admit", direction, pass_id=pass_id, household="5-1-101")
    e["credential"].update(kind="day_pass" if role == "visitor" else "pass", role=role, valid_until=_iso(end))
    return e


def _store(storage, tmp_path, gate: str, *items: dict) -> None:
    storage.store([Batch("demo-site", gate, journal_entries(tmp_path, gate, list(items)))])


def _overstays(storage) -> list[dict]:
    return [a for a in ConsoleStore(storage).alerts(include_acked=True) if a["reasons"] == "overstay"]


def test_a_visitor_still_in_after_the_window_raises_one_alert(storage, tmp_path):
    pushed = []
    watch = OverstayWatch(storage, GRACE_MIN, on_new=lambda site, gate, entry: pushed.append((gate, entry)))
    _store(storage, tmp_path, "gate-1", _fields("in"))
    assert watch.check(END) == 0                                        # the window just ended
    assert watch.check(END + timedelta(minutes=GRACE_MIN - 1)) == 0     # still within the grace
    assert _overstays(storage) == []
    assert watch.check(END + timedelta(minutes=GRACE_MIN)) == 1
    assert watch.check(END + timedelta(hours=5)) == 0                   # once, however often it looks
    (alert,) = _overstays(storage)
    assert (alert["gate"], alert["pass_id"], alert["direction"], alert["acked_by"]) == ("gate-1", VISITOR, "in", None)
    assert [(g, e["credential"]["valid_until"]) for g, e in pushed] == [("gate-1", _iso(END))]


def test_seen_out_before_the_end_raises_none(storage, tmp_path):
    watch = OverstayWatch(storage, GRACE_MIN)
    _store(storage, tmp_path, "gate-1", _fields("in"))
    _store(storage, tmp_path, "gate-2", _fields("out"))     # out through another gate
    assert watch.check(END + timedelta(days=1)) == 0
    assert _overstays(storage) == []


def test_seen_out_after_the_alert_keeps_it_and_raises_no_other(storage, tmp_path):
    watch = OverstayWatch(storage, GRACE_MIN)
    _store(storage, tmp_path, "gate-1", _fields("in"))
    assert watch.check(END + timedelta(hours=1)) == 1
    _store(storage, tmp_path, "gate-2", _fields("out"))
    assert watch.check(END + timedelta(hours=3)) == 0
    assert len(_overstays(storage)) == 1


def test_a_resident_pass_never_raises_it(storage, tmp_path):
    watch = OverstayWatch(storage, GRACE_MIN)
    _store(storage, tmp_path, "gate-1", _fields("in", pass_id="aaaabbbbccccdddd", role="resident"),
           entry_fields("admit", "in", pass_id="1111222233334444"))   # an entry made before valid_until
    assert watch.check(END + timedelta(days=3)) == 0
    assert _overstays(storage) == []


def test_the_alerts_page_shows_and_acknowledges_it(client, storage, tmp_path):
    _store(storage, tmp_path, "gate-1", _fields("in"))
    OverstayWatch(storage, GRACE_MIN).check(END + timedelta(hours=1))
    login(client, *ADMIN)
    html = client.get("/console/alerts").get_data(as_text=True)
    assert "逾期未离开" in html and "1 条待处理" in html
    data = client.get("/console/alerts/data").get_json()
    assert data["open"] == 1 and data["alerts"][0]["reasons"] == ["overstay"]
    (key,) = re.findall(r'name="alert" value="([^"]+)"', html)
    client.post("/console/alerts/ack", data={"csrf_token": token(client, "/console/alerts"), "alert": key,
                                             "note": "已电话联系访客"})
    assert client.get("/console/alerts/data").get_json()["open"] == 0
    assert "已电话联系访客" in client.get("/console/alerts?all=1").get_data(as_text=True)
