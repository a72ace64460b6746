"""The console's screens through Flask's test client, on a real SQLite database with
entries written by a real kiosk journal."""

from __future__ import annotations

import csv
import io
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from sync.schema import Batch
from tests.spreadsheets import xlsx_rows
from tests.sync.server.consolekit import ADMIN, VIEWER, entry_fields, journal_entries, login, token


def _seed(storage, tmp_path):
    gate1 = journal_entries(tmp_path, "gate-1", [entry_fields() for _ in range(12)]
                            + [entry_fields("deny", "out", ["quarantine_exit"], household="1-1-101")])
    gate2 = journal_entries(tmp_path, "gate-2", [entry_fields("deny", reasons=["fever"], temperature=38.4,
                                                              household="2-1-202", pass_id="aaaabbbbccccdddd")]
                            + [entry_fields("refer", reasons=["no_temperature"]) for _ in range(3)])
    storage.store([Batch("demo-site", "gate-1", gate1), Batch("demo-site", "gate-2", gate2)])
    return gate1, gate2


def test_entries_filter_and_page(client, storage, tmp_path):
    _seed(storage, tmp_path)
    login(client, *VIEWER)
    data = client.get("/console/entries/data").get_json()
    assert data["total"] == 17 and data["pages"] == 2 and len(data["rows"]) == 10
    assert data["rows"][0]["time"] >= data["rows"][-1]["time"]
    second = client.get("/console/entries/data?page=2").get_json()
    assert len(second["rows"]) == 7
    denied = client.get("/console/entries/data?decision=deny").get_json()
    assert {(r["gate"], tuple(r["reasons"])) for r in denied["rows"]} == {
        ("gate-1", ("quarantine_exit",)), ("gate-2", ("fever",))}
    assert client.get("/console/entries/data?gate=gate-2&reason=no_temperature").get_json()["total"] == 3
    assert client.get("/console/entries/data?direction=out").get_json()["total"] == 1
    assert client.get("/console/entries/data?household=2-1-202").get_json()["total"] == 1
    assert client.get("/console/entries/data?pass_id=aaaabbbbccccdddd").get_json()["total"] == 1
    assert client.get("/console/entries/data?since=2000-01-01T00:00&until=2000-01-02T00:00").get_json()["total"] == 0
    bad = client.get("/console/entries/data?since=yesterday")
    assert bad.status_code == 400 and bad.get_json()["field"] == "since"


def test_export_holds_the_filtered_rows_and_is_audited(client, console_app, storage, tmp_path):
    _seed(storage, tmp_path)
    login(client, *VIEWER)
    r = client.get("/console/entries/export.csv?decision=deny")
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(x["门岗"] for x in rows) == ["gate-1", "gate-2"] and {x["结果代码"] for x in rows} == {"deny"}
    r = client.get("/console/entries/export.xlsx?gate=gate-2&decision=refer")
    header, *values = xlsx_rows(r.get_data())
    assert len(values) == 3 and all(v[header.index("门岗")] == "gate-2" for v in values)
    log = console_app.extensions["console"].store.audit_log(action="export")
    assert [(a["detail"]["format"], a["detail"]["rows"]) for a in log] == [("xlsx", 3), ("csv", 2)]
    assert all(a["actor"] == VIEWER[0] for a in log)


def test_entry_detail_shows_the_chain(client, storage, tmp_path):
    gate1, _ = _seed(storage, tmp_path)
    login(client, *VIEWER)
    page = client.get("/console/entries/demo-site/gate-1/3").get_data(as_text=True)
    assert gate1[2]["hash"] in page and 'class="ok"' in page
    # A later entry arriving with a gap: its detail says it is not linked yet.
    tail = journal_entries(tmp_path, "gate-3", [entry_fields() for _ in range(3)])
    storage.store([Batch("demo-site", "gate-3", [tail[0], tail[2]])])
    page = client.get("/console/entries/demo-site/gate-3/3").get_data(as_text=True)
    assert 'data-testid="chain-status" class="bad"' in page
    assert client.get("/console/entries/demo-site/gate-1/999").status_code == 404


def test_alerts_list_and_acknowledge(client, console_app, storage, tmp_path):
    _seed(storage, tmp_path)
    login(client, *ADMIN)
    data = client.get("/console/alerts/data").get_json()
    assert data["open"] == 2 and {tuple(a["reasons"]) for a in data["alerts"]} == {("fever",), ("quarantine_exit",)}
    t = token(client, "/console/alerts")
    client.post("/console/alerts/demo-site/gate-2/1/ack", data={"csrf_token": t})
    assert client.get("/console/alerts/data").get_json()["open"] == 1
    everything = client.get("/console/alerts/data?all=1").get_json()["alerts"]
    assert any(a["acked_by"] == ADMIN[0] for a in everything)


def test_gates_page_shows_status_and_chart(client, storage, tmp_path):
    _seed(storage, tmp_path)
    storage.record_status("demo-site", "gate-1", {"v": 1, "state": "online", "backlog": 4, "registry_version": 7,
                                                  "devices": {"camera": "ok"}, "readers": {"id-reader": "absent"},
                                                  "absent": {"reader.id-reader": "libtermb.so: cannot open"},
                                                  "clock_synced": False})
    # A status is a kiosk's to write: one in other hands must not break the office's page.
    storage.record_status("demo-site", "gate-2", {"v": 1, "state": "online", "devices": ["camera"],
                                                  "readers": {"<b>x</b>": {"nested": 1}, "ok-one": 7}})
    login(client, *VIEWER)
    response = client.get("/console/gates")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<b>x</b>" not in page
    assert 'data-testid="gate-backlog">4<' in page and "在线" in page and "摄像头：正常" in page
    assert "读卡/扫码 id-reader：未连接" in page
    assert "reader.id-reader 未能启动：libtermb.so: cannot open" in page
    assert "未同步" in page
    assert page.count('data-testid="gate-chart"') == 2


def _xlsx(rows):
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_import_residents_then_edit(client, console_app):
    login(client, *ADMIN)
    t = token(client, "/console/households")
    data = _xlsx([["楼栋", "单元", "房号", "姓名", "电话"], [3, 2, 501, "张伟、李娜", 13800000001], [3, 1, 101, "王芳", ""]])
    r = client.post("/console/households/import", data={"csrf_token": t, "file": (io.BytesIO(data), "list.xlsx")},
                    content_type="multipart/form-data")
    assert r.status_code == 200 and "新增 3" in r.get_data(as_text=True)
    store = console_app.extensions["console"].store
    assert [h["id"] for h in store.households()] == ["3-1-101", "3-2-501"]
    wei = next(x for x in store.residents(household="3-2-501") if x["name"] == "张伟")
    client.post(f"/console/residents/{wei['id']}", data={"csrf_token": t, "name": "张伟", "phone": "13900000000"})
    assert store.resident(wei["id"])["phone"] == "13900000000"
    assert [a["action"] for a in store.audit_log()][:2] == ["resident_edit", "residents_import"]


def test_a_bad_file_imports_nothing(client, console_app):
    login(client, *ADMIN)
    t = token(client, "/console/households")
    data = "building,unit,room,name\n3,2,501,张伟\n3,2,,李娜\n".encode()
    r = client.post("/console/households/import", data={"csrf_token": t, "file": (io.BytesIO(data), "list.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and "第 3 行" in r.get_data(as_text=True)
    assert console_app.extensions["console"].store.households() == []


def test_quarantine_is_published_and_lifted(client, console_app, published):
    store = console_app.extensions["console"].store
    store.import_residents([{"building": "3", "unit": "2", "room": "501", "name": "张伟", "phone": ""}])
    login(client, *ADMIN)
    t = token(client, "/console/quarantine")
    today = date.today()
    end = (today + timedelta(days=14)).isoformat()
    r = client.post("/console/quarantine", data={"csrf_token": t, "household": "3-2-501",
                                                 "from": today.isoformat(), "to": end})
    assert r.status_code == 302
    assert published[-1]["quarantine"] == [{"household": "3-2-501", "from": today.isoformat(), "to": end}]
    bad = client.post("/console/quarantine", data={"csrf_token": t, "household": "9-9-999",
                                                   "from": today.isoformat(), "to": end})
    assert bad.status_code == 400 and len(published) == 1
    qid = store.quarantines()[0]["id"]
    client.post(f"/console/quarantine/{qid}/lift", data={"csrf_token": t})
    assert published[-1]["quarantine"] == [] and store.quarantines() == []
    assert [a["action"] for a in store.audit_log()][:2] == ["quarantine_lift", "quarantine_add"]


def test_issue_print_and_revoke_a_pass(client, console_app, published, storage):
    from kiosk.registry import Registry
    from sync import passes

    con = console_app.extensions["console"]
    # Something published before by other means stays: the console only adds its part.
    storage.save_registry("demo-site", lambda v: {"registry": {"known_codes": {"STAFF-0042": {"role": "staff"}}},
                                                  "version": v}, "setup")
    con.store.import_residents([{"building": "3", "unit": "2", "room": "501", "name": "张伟", "phone": ""}])
    rid = con.store.residents()[0]["id"]
    login(client, *ADMIN)
    t = token(client, "/console/households/3-2-501")
    client.post(f"/console/residents/{rid}/pass", data={"csrf_token": t})
    (p,) = con.store.passes(household="3-2-501")
    signed = passes.parse(p["text"])
    assert signed.payload.household == "3-2-501" and signed.payload.pass_id == p["pass_id"]
    assert passes.signature_ok(signed, con.pass_key.key.public_key())
    # The kiosks learn the new pass key at once, with what was published before.
    first = Registry.from_dict({**published[0], "version": 2})
    assert first.public_key(con.pass_key.key_id) is not None and first.lookup("STAFF-0042") is not None
    client.post(f"/console/residents/{rid}/pass", data={"csrf_token": t})
    assert len(published) == 1, "the key is published once, not with every pass"
    p = next(x for x in con.store.passes(household="3-2-501") if x["pass_id"] == p["pass_id"])
    sheet = client.post("/console/passes/print", data={"csrf_token": t, "building": "3"}).get_data(as_text=True)
    assert sheet.count('data-testid="pass-card"') == 2 and "<svg" in sheet and p["pass_id"] in sheet

    client.post(f"/console/passes/{p['pass_id']}/revoke", data={"csrf_token": t})
    registry = Registry.from_dict({**published[-1], "version": 2})
    assert registry.is_revoked(p["pass_id"])
    assert registry.public_key(con.pass_key.key_id) is not None
    assert registry.lookup("STAFF-0042") is not None
    assert 'data-testid="pass-state">已吊销<' in client.get("/console/households/3-2-501").get_data(as_text=True)
    # Printed before: the one active pass is printed again as a new pass.
    sheet = client.post("/console/passes/print", data={"csrf_token": t, "building": "3"}).get_data(as_text=True)
    assert sheet.count('data-testid="pass-card"') == 1 and p["pass_id"] not in sheet
    assert len(con.store.passes(building="3", active_only=True)) == 1


def test_a_person_under_quarantine_is_sent_as_their_passes(client, console_app, published):
    from sync.server.console.registry_content import revoked_and_quarantined

    con = console_app.extensions["console"]
    con.store.import_residents([{"building": "3", "unit": "2", "room": "501", "name": n, "phone": ""}
                                for n in ("张伟", "李娜")])
    wei = next(r for r in con.store.residents() if r["name"] == "张伟")
    con.store.add_pass(pass_id="00000000000000aa", resident_id=wei["id"], household="3-2-501", role="resident",
                       text="x", not_before=0, expires=4e9, issued_by="t")
    today = date.today().isoformat()
    con.store.add_quarantine(household=None, resident_id=wei["id"], start=today, end=today, note="", by="t")
    assert revoked_and_quarantined(con.store, date.today())["quarantine"] == [
        {"pass_id": "00000000000000aa", "from": today, "to": today}]


def test_quarantines_are_kept_and_dropped_by_the_site_s_calendar(client, console_app):
    """The server's clock may keep UTC while the site is far from it: a quarantine is
    published while it lasts by the site's calendar, dropped once that day is over, and
    the form starts on the site's today."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from sync.server.console.registry_content import registry_content

    con = console_app.extensions["console"]
    # UTC+14 is a day ahead of UTC from 10:00 UTC, UTC-11 a day behind until 11:00 UTC:
    # one of them never shares this machine's date.
    zone = next(z for z in ("Pacific/Kiritimati", "Pacific/Pago_Pago") if datetime.now(ZoneInfo(z)).date() != date.today())
    con.tz = ZoneInfo(zone)
    site_today, day = con.today(), timedelta(days=1)
    for n, when in enumerate((site_today - day, site_today)):
        con.store.add_quarantine(household=f"1-1-10{n}", resident_id=None, start=when.isoformat(),
                                 end=when.isoformat(), note="", by="t")
    content, _ = registry_content(con)
    assert [q["household"] for q in content["quarantine"]] == ["1-1-101"], zone
    login(client, *ADMIN)
    assert f'value="{site_today.isoformat()}"' in client.get("/console/quarantine").get_data(as_text=True)


ID_NUMBER = "11010519491231002X"   # a valid GB 11643 number (check digit X)


def _id_number_entry(tmp_path, storage):
    """An entry made the way the kiosk makes one for a scanned ID card."""
    from datetime import datetime, timezone

    from kiosk import credentials
    from kiosk.registry import Registry

    cred = credentials.parse(ID_NUMBER, "CODE128")
    record = credentials.assess(cred, Registry(), datetime.now(timezone.utc), b"k" * 32).record
    fields = {**entry_fields("refer", reasons=["id_number_unverified"]), "credential": record}
    entries = journal_entries(tmp_path, "gate-9", [fields, entry_fields()])
    storage.store([Batch("demo-site", "gate-9", entries)])
    return record


def test_an_id_number_is_shown_and_exported_masked_never_in_clear(client, storage, tmp_path):
    record = _id_number_entry(tmp_path, storage)
    assert record["masked"] == "110105********002X"
    login(client, *VIEWER)
    shown = [client.get("/console/entries?gate=gate-9").get_data(as_text=True),
             client.get("/console/entries/data?gate=gate-9").get_data(as_text=True),
             client.get("/console/entries/demo-site/gate-9/1").get_data(as_text=True)]
    rows = client.get("/console/entries/data?gate=gate-9").get_json()["rows"]
    assert [r["credential"] for r in rows] == ["00112233aabbccdd", "110105********002X"]
    csv_text = client.get("/console/entries/export.csv?gate=gate-9").get_data(as_text=True)
    book = xlsx_rows(client.get("/console/entries/export.xlsx?gate=gate-9").get_data())
    cells = [str(c) for row in book for c in row]
    for text in shown + [csv_text, " ".join(cells)]:
        assert "110105********002X" in text
        assert ID_NUMBER not in text and ID_NUMBER.lower() not in text
    exported = {r["凭证"]: r for r in csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))}
    assert exported["110105********002X"]["凭证类型"] == "id_number"


def test_exports_carry_the_credential_and_the_local_time(client, storage, tmp_path):
    gate1, _ = _seed(storage, tmp_path)
    login(client, *VIEWER)
    text = client.get("/console/entries/export.csv?gate=gate-1&decision=deny").get_data(as_text=True)
    header, *rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    (row,) = [dict(zip(header, r)) for r in rows]
    # The site's local time comes first, in ISO 8601 with its offset, and the header names the zone.
    assert header[0] == "时间（北京时间 UTC+8）"
    utc = datetime.fromisoformat(gate1[-1]["ts"].replace("Z", "+00:00"))
    assert row[header[0]] == utc.astimezone(ZoneInfo("Asia/Shanghai")).isoformat(timespec="seconds")
    assert row[header[0]].endswith("+08:00") and row["时间（UTC）"] == gate1[-1]["ts"]
    assert row["凭证"] == "00112233aabbccdd"
    # Words as the kiosk says them, with the codes beside them for a script.
    assert (row["结果"], row["结果代码"], row["原因"], row["原因代码"], row["方向"]) == \
        ("禁止", "deny", "隔离期外出", "quarantine_exit", "出")
    # When the server got it: a time a person can read, not a Unix number.
    received = datetime.fromisoformat(row["服务器收到时间（北京时间 UTC+8）"])
    assert received.utcoffset() == timedelta(hours=8) and abs(received.timestamp() - time.time()) < 600

    # In English the same file speaks English.
    client.get("/console/lang/en")
    text = client.get("/console/entries/export.csv?gate=gate-1&decision=deny").get_data(as_text=True)
    header, row = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    row = dict(zip(header, row))
    assert header[0] == "Time (Beijing time UTC+8)"
    assert (row["Decision"], row["Decision code"], row["Reasons"], row["Reason codes"]) == \
        ("Denied", "deny", "quarantine exit", "quarantine_exit")


def test_one_person_is_put_under_quarantine_from_the_household_page(client, console_app, published):
    con = console_app.extensions["console"]
    con.store.import_residents([{"building": "3", "unit": "2", "room": "501", "name": n, "phone": ""}
                                for n in ("张伟", "李娜")])
    wei = next(r for r in con.store.residents() if r["name"] == "张伟")
    login(client, *ADMIN)
    t = token(client, "/console/households/3-2-501")
    client.post(f"/console/residents/{wei['id']}/pass", data={"csrf_token": t})
    (first,) = con.store.passes(household="3-2-501")
    household_page = client.get("/console/households/3-2-501").get_data(as_text=True)
    link = f'/console/quarantine?resident_id={wei["id"]}'
    assert link in household_page
    form = client.get(link).get_data(as_text=True)
    assert "张伟" in form and f'name="resident_id" value="{wei["id"]}"' in form
    today = con.today().isoformat()     # the site's day: in the evening UTC, Shanghai is a day ahead
    client.post("/console/quarantine", data={"csrf_token": t, "resident_id": wei["id"], "from": today, "to": today})
    assert published[-1]["quarantine"] == [{"pass_id": first["pass_id"], "from": today, "to": today}]
    # A pass issued while the person is at home is sent to the kiosks as quarantined too.
    client.post(f"/console/residents/{wei['id']}/pass", data={"csrf_token": t})
    assert sorted(q["pass_id"] for q in published[-1]["quarantine"]) == sorted(
        p["pass_id"] for p in con.store.passes(household="3-2-501"))
    listed = client.get("/console/quarantine").get_data(as_text=True)
    assert 'data-household="3-2-501"' in listed and "张伟" in listed


def test_revocations_and_quarantines_published_by_other_means_stay(client, console_app, published, storage):
    from kiosk.registry import Registry

    con = console_app.extensions["console"]
    today = con.today()     # the site's day: in the evening UTC, Shanghai is a day ahead
    elsewhere = {"household": "9-9-909", "from": today.isoformat(), "to": (today + timedelta(days=3)).isoformat()}
    storage.save_registry("demo-site", lambda v: {"version": v, "registry": {
        "revoked": ["feedfacefeedface"], "quarantine": [elsewhere]}}, "api")
    con.store.import_residents([{"building": "3", "unit": "2", "room": "501", "name": "张伟", "phone": ""}])
    login(client, *ADMIN)
    t = token(client, "/console/quarantine")
    client.post("/console/quarantine", data={"csrf_token": t, "household": "3-2-501",
                                             "from": today.isoformat(), "to": today.isoformat()})
    registry = Registry.from_dict({**published[-1], "version": 3})
    assert registry.is_revoked("feedfacefeedface")
    assert registry.quarantined(today, household="9-9-909") and registry.quarantined(today, household="3-2-501")
    # Lifting the console's own quarantine takes it away, and only it.
    client.post(f"/console/quarantine/{con.store.quarantines()[0]['id']}/lift", data={"csrf_token": t})
    registry = Registry.from_dict({**published[-1], "version": 4})
    assert registry.quarantined(today, household="3-2-501") is None
    assert registry.quarantined(today, household="9-9-909") and registry.is_revoked("feedfacefeedface")


def test_id_numbers_are_refused_in_names_phones_and_notes(client, console_app, published):
    con = console_app.extensions["console"]
    con.store.import_residents([{"building": "3", "unit": "2", "room": "501", "name": "张伟", "phone": ""}])
    wei = con.store.residents()[0]
    login(client, *ADMIN)
    t = token(client, "/console/households/3-2-501")
    r = client.post(f"/console/residents/{wei['id']}", data={"csrf_token": t, "name": "张伟",
                                                             "phone": ID_NUMBER})
    assert r.status_code == 400 and con.store.resident(wei["id"])["phone"] == ""
    today = date.today().isoformat()
    r = client.post("/console/quarantine", data={"csrf_token": t, "household": "3-2-501", "from": today,
                                                 "to": today, "note": f"身份证 {ID_NUMBER}"})
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and "身份证号码" in page and ID_NUMBER not in page
    assert con.store.quarantines() == [] and published == []


def test_add_one_resident_by_hand(client, console_app):
    store = console_app.extensions["console"].store
    login(client, *ADMIN)
    t = token(client, "/console/households")
    r = client.post("/console/residents", data={"csrf_token": t, "building": "8", "unit": "1", "room": "101",
                                                "name": "林峰", "phone": "13900000101"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/console/households/8-1-101")
    page = client.get("/console/households/8-1-101").get_data(as_text=True)
    assert 'data-testid="add-resident"' in page and 'value="林峰"' in page
    client.post("/console/residents", data={"csrf_token": t, "building": "8", "unit": "1", "room": "101",
                                            "name": "高远"})
    assert sorted(r["name"] for r in store.residents(household="8-1-101")) == ["林峰", "高远"]
    bad = client.post("/console/residents", data={"csrf_token": t, "building": "8", "unit": "1", "room": "1 01",
                                                  "name": "黄莺", "phone": ID_NUMBER})
    shown = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "holds an ID number" in shown and ID_NUMBER not in shown
    bad = client.post("/console/residents", data={"csrf_token": t, "building": "8", "unit": "1", "room": "1 01",
                                                  "name": "黄莺"})
    assert bad.status_code == 400 and "1-8 letters or digits" in bad.get_data(as_text=True)
    assert [h["id"] for h in store.households()] == ["8-1-101"]
    assert [a["action"] for a in store.audit_log()][:2] == ["resident_add", "resident_add"]


def test_the_kiosks_learn_each_pass_holders_name_masked_only(client, console_app, published, storage):
    from kiosk.registry import Registry

    con = console_app.extensions["console"]
    storage.save_registry("demo-site", lambda v: {"registry": {"holders": {"00000000000000ff": "赵*"}},
                                                  "version": v}, "setup")
    con.store.import_residents([{"building": "3", "unit": "2", "room": "501", "name": "张伟", "phone": ""}])
    rid = con.store.residents()[0]["id"]
    login(client, *ADMIN)
    t = token(client, "/console/households/3-2-501")
    client.post(f"/console/residents/{rid}/pass", data={"csrf_token": t})    # the first pass publishes its key
    (p,) = con.store.passes(household="3-2-501")
    registry = Registry.from_dict({**published[-1], "version": 2})
    assert registry.holders == {p["pass_id"]: "张*", "00000000000000ff": "赵*"}
    assert "张伟" not in str(published[-1])
    client.post(f"/console/passes/{p['pass_id']}/revoke", data={"csrf_token": t})
    assert published[-1]["holders"] == {"00000000000000ff": "赵*"}


def test_a_households_page_shows_its_quarantines_visitors_and_last_30_days(client, console_app, storage, tmp_path):
    con = console_app.extensions["console"]
    con.store.import_residents([{"building": "8", "unit": "1", "room": "801", "name": "王芳", "phone": ""}])
    visitor = {**entry_fields(), "credential": {"kind": "day_pass", "pass_id": "0a0b0c0d0e0f0a0b", "role": "visitor"},
               "visitor": {"name": "李*", "going_to": "8-1-801"}}
    elsewhere = {**visitor, "visitor": {"name": "赵*", "going_to": "8-1-8011"}}
    items = [entry_fields(household="8-1-801") for _ in range(3)] + [entry_fields(household="9-9-999"), visitor,
                                                                    elsewhere]
    storage.store([Batch("demo-site", "gate-1", journal_entries(tmp_path, "gate-1", items))])
    login(client, *VIEWER)
    page = client.get("/console/households/8-1-801").get_data(as_text=True)
    assert 'data-testid="household-entries-count">3<' in page
    visits = page[page.index('data-testid="household-visits"'):page.index('data-testid="household-entries"')]
    assert visits.count('data-testid="entry-row"') == 1 and "0a0b0c0d0e0f0a0b" in visits
    assert "本户没有居家隔离记录" in page
    # A lifted quarantine stays in the household's history.
    from sync.server.console.store import ConsoleStore

    store = ConsoleStore(storage)
    qid = store.add_quarantine(household="8-1-801", resident_id=None, start=date.today().isoformat(),
                               end=(date.today() + timedelta(days=7)).isoformat(), note="", by="alice")
    store.lift_quarantine(qid, "alice")
    page = client.get("/console/households/8-1-801").get_data(as_text=True)
    assert page.count('data-testid="household-quarantine-row"') == 1 and "已解除" in page
