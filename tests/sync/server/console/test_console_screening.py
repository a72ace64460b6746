"""防疫模式 in the console: an admin's change is checked, audited and published in the
registry's rules; a viewer changes nothing; entries and exports keep the modes apart.
(The kiosks applying it: tests/test_screening_end_to_end.py.)"""

from __future__ import annotations

import csv
import io
import json
import sqlite3

from kiosk.registry import Registry
from sync.schema import Batch
from tests.sync.server.consolekit import ADMIN, VIEWER, entry_fields, journal_entries, login, token


def _post(client, **form):
    return client.post("/console/screening", data={"csrf_token": token(client, "/console/screening"),
                                                   "fever_c": "", "remeasure": "", "offset_c": "", **form})


def test_an_admin_switches_the_mode_and_it_is_published_and_audited(client, console_app, published):
    login(client, *ADMIN)
    page = client.get("/console/screening").get_data(as_text=True)
    assert 'data-testid="screening-mode">严格<' in page, "before any change the site enforces, as before"
    r = _post(client, mode="record", fever_c="37.5", remeasure="no", offset_c="0.8")
    assert r.status_code == 302
    rules = Registry.from_dict({**published[-1], "version": 1}).rules
    assert rules.screening.model_dump() == {"mode": "record", "fever_c": 37.5, "remeasure": False, "offset_c": 0.8}
    page = client.get("/console/screening").get_data(as_text=True)
    assert 'data-testid="screening-mode">记录<' in page and 'value="37.5"' in page and "已下发" in page

    # Back to off, leaving threshold and offset to each kiosk: the rest of the rules stay.
    assert _post(client, mode="off").status_code == 302
    assert published[-1]["rules"]["screening"] == {"mode": "off"}
    audit = console_app.extensions["console"].store.audit_log(action="screening_set")
    assert [(a["detail"]["from"].get("mode"), a["detail"]["to"]["mode"]) for a in audit] == [
        ("record", "off"), ("enforce", "record")]


def test_a_change_keeps_the_rest_of_the_site_s_rules(client, console_app, published, storage):
    storage.save_registry("demo-site", lambda v: {"site": "demo-site", "version": v, "registry": {
        "rules": {"timezone": "Asia/Urumqi", "hours": {"staff": ["06:00", "22:00"]}}}}, "api")
    login(client, *ADMIN)
    _post(client, mode="off")
    assert published[-1]["rules"] == {"timezone": "Asia/Urumqi", "hours": {"staff": ["06:00", "22:00"]},
                                      "screening": {"mode": "off"}}


def test_bad_values_are_refused_with_words_and_nothing_is_published(client, published):
    login(client, *ADMIN)
    for form, words in (({"mode": "strict"}, "请选择模式"), ({"mode": "record", "fever_c": "hot"}, "发热阈值"),
                        ({"mode": "record", "fever_c": "45"}, "发热阈值"), ({"mode": "off", "offset_c": "9"}, "补偿")):
        r = _post(client, **form)
        assert r.status_code == 400 and words in r.get_data(as_text=True), form
    assert published == []


def test_a_viewer_sees_the_mode_but_cannot_change_it(client, published):
    login(client, *VIEWER)
    page = client.get("/console/screening").get_data(as_text=True)
    assert 'data-testid="screening-mode"' in page and 'data-testid="screening-form"' not in page
    assert _post(client, mode="off").status_code == 403 and published == []


def test_entries_filter_and_export_by_the_mode_they_were_decided_under(client, storage, tmp_path):
    old = entry_fields()                       # before the modes: no field, decided as enforce
    items = [old, {**entry_fields(), "screening": "off"}, {**entry_fields(), "screening": "off"},
             {**entry_fields(reasons=["fever_recorded"], temperature=38.2), "screening": "record"}]
    storage.store([Batch("demo-site", "gate-1", journal_entries(tmp_path, "gate-1", items))])
    login(client, *VIEWER)
    totals = {m: client.get(f"/console/entries/data?screening={m}").get_json()["total"]
              for m in ("off", "record", "enforce")}
    assert totals == {"off": 2, "record": 1, "enforce": 1}
    assert client.get("/console/entries/data?screening=strict").status_code == 400
    body = client.get("/console/entries/export.csv?screening=record").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [(r["防疫模式"], r["原因代码"], r["原因"]) for r in rows] == [("record", "fever_recorded", "发热（已记录放行）")]
    # A recorded fever is an alert for the office, though the person passed.
    alerts = client.get("/console/alerts").get_data(as_text=True)
    assert "发热（已记录放行）" in alerts


def test_a_store_made_before_the_modes_gets_the_column_as_enforce(tmp_path):
    from sync.server.storage.sqlite import SQLiteStorage

    path = tmp_path / "old.sqlite3"
    s = SQLiteStorage(path)
    s.store([Batch("demo-site", "gate-1", journal_entries(tmp_path, "gate-1", [entry_fields()]))])
    s.close()
    with sqlite3.connect(path) as db:          # as a server before this column left it
        db.execute("ALTER TABLE entries DROP COLUMN screening")
    db.close()
    s = SQLiteStorage(path)
    try:
        from sync.server.storage import EntryQuery

        assert s.count_entries(EntryQuery(screening="enforce")) == 1
        assert [json.dumps(i["entry"]).count("screening") for i in s.iter_entries(EntryQuery())] == [0]
    finally:
        s.close()


def test_the_office_chooses_the_visitor_questions_and_each_change_is_a_new_version(client, published):
    login(client, *ADMIN)
    page = client.get("/console/screening").get_data(as_text=True)
    assert 'data-testid="ask-screening-contact" checked' in page and "第 1 版" in page
    defaults = {"mode": "record", "questions": "1", "ask_screening": ["id_number", "coming_from", "heading_to",
                                                                     "contact", "symptoms"]}
    assert _post(client, **defaults).status_code == 302
    assert published[-1]["rules"]["visitor_questions"]["version"] == 1, "nothing changed, the version stays"
    form = {"mode": "record", "questions": "1", "ask_screening": ["contact", "symptoms", "coming_from"],
            "ask_everyday": []}
    assert _post(client, **form).status_code == 302
    rules = Registry.from_dict({**published[-1], "version": 1}).rules
    assert rules.visitor_questions.version == 2
    assert rules.visitor_questions.questions("record") == ("name", "phone", "going_to", "coming_from", "contact",
                                                           "symptoms")
    assert rules.visitor_questions.questions("off") == ("name", "phone", "going_to")
    # The same questions again, another mode: the version stays, so answers keep their meaning.
    assert _post(client, **{**form, "mode": "off"}).status_code == 302
    assert published[-1]["rules"]["visitor_questions"]["version"] == 2
