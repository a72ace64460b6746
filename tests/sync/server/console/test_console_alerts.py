"""Alerts: sixteen fevers of one pass are one row, acknowledged at once with a note that
the audit log and the page keep; on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from sync.schema import Batch
from tests.sync.server.consolekit import ADMIN, VIEWER, entry_fields, journal_entries, login, token


def _seed(storage, tmp_path):
    fevers = [entry_fields("deny", reasons=["fever"], temperature=37.5 + i / 10, pass_id="aaaabbbbccccdddd",
                           household="5-1-101") for i in range(16)]
    other = [entry_fields("deny", "out", ["quarantine_exit"], household="6-2-202", pass_id="1111222233334444"),
             entry_fields("deny", reasons=["fever"], temperature=38.0, pass_id="9999888877776666")]
    storage.store([Batch("demo-site", "gate-1", journal_entries(tmp_path, "gate-1", fevers + other))])


def test_repeats_of_one_pass_are_one_row(client, storage, tmp_path):
    _seed(storage, tmp_path)
    login(client, *VIEWER)
    html = client.get("/console/alerts").get_data(as_text=True)
    counts = sorted(int(c) for c in re.findall(r'data-testid="alert-row" data-count="(\d+)"', html))
    assert counts == [1, 1, 16]
    assert "共 16 次" in html and "39.0" in html      # the group shows its highest reading
    assert client.get("/console/alerts/data").get_json()["open"] == 18
    # A viewer sees them but has nothing to tick.
    assert 'data-testid="alert-check"' not in html


def test_bulk_acknowledge_with_a_note(client, console_app, storage, tmp_path):
    _seed(storage, tmp_path)
    login(client, *ADMIN)
    html = client.get("/console/alerts").get_data(as_text=True)
    values = re.findall(r'name="alert" value="([^"]+)"', html)
    group = next(v for v in values if v.count(";") == 15)
    single = next(v for v in values if v != group and v.count(";") == 0)
    r = client.post("/console/alerts/ack", data={"csrf_token": token(client, "/console/alerts"),
                                                  "alert": [group, single], "note": "已电话联系，送发热门诊"})
    assert r.status_code == 302
    html = client.get("/console/alerts").get_data(as_text=True)
    assert "已确认 17 条警报" in html
    assert client.get("/console/alerts/data").get_json()["open"] == 1
    everything = client.get("/console/alerts?all=1").get_data(as_text=True)
    assert everything.count("已电话联系，送发热门诊") == 2
    store = console_app.extensions["console"].store
    (entry,) = store.audit_log(action="alert_ack")
    assert entry["actor"] == ADMIN[0] and entry["detail"]["acked"] == 17
    assert entry["detail"]["note"] == "已电话联系，送发热门诊"

    # Nothing ticked, a forged key, an overlong note: refused in words, nothing acknowledged.
    t = token(client, "/console/alerts")
    client.post("/console/alerts/ack", data={"csrf_token": t, "note": "x"})
    assert "请先勾选要确认的警报" in client.get("/console/alerts").get_data(as_text=True)
    client.post("/console/alerts/ack", data={"csrf_token": t, "alert": "demo-site~gate-1~1' OR 1=1"})
    client.post("/console/alerts/ack", data={"csrf_token": t, "alert": values[0], "note": "长" * 501})
    assert "说明不能超过 500 个字" in client.get("/console/alerts").get_data(as_text=True)
    assert client.get("/console/alerts/data").get_json()["open"] == 1


def test_a_viewer_cannot_acknowledge(client, storage, tmp_path):
    _seed(storage, tmp_path)
    login(client, *VIEWER)
    r = client.post("/console/alerts/ack", data={"csrf_token": token(client, "/console/alerts"),
                                                  "alert": "demo-site~gate-1~1"})
    assert r.status_code == 403
    assert client.get("/console/alerts/data").get_json()["open"] == 18
