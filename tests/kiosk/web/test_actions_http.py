"""Volunteer actions over HTTP: CSRF on every action, the PIN in front of each."""

from __future__ import annotations

from kiosk.web import volunteer
from tests.kiosk.web.forms import csrf_token
from tests.kiosk.web.kiosk_process import PIN


def _refer(rt):
    return rt.journal.append({"direction": "in", "credential": {"kind": "unknown"}, "temperature": {"value_c": None},
                              "decision": "refer", "reasons": ["unknown_code"], "operator": None, "visitor": None})


def test_an_action_without_the_csrf_token_is_refused(client, runtime):
    e = _refer(runtime)
    r = client.post(f"/referrals/{e['id']}/override", json={"decision": "admit", "reason": "ok", "pin": PIN})
    assert r.status_code == 400 and r.get_json()["error"] == "csrf"
    assert runtime.journal.last_seq() == 1


def test_an_override_needs_the_pin_then_is_journaled(client, runtime):
    e = _refer(runtime)
    h = {"X-CSRFToken": csrf_token(client)}
    url = f"/referrals/{e['id']}/override"
    r = client.post(url, json={"decision": "admit", "reason": "已核实身份"}, headers=h)
    assert r.status_code == 401 and r.get_json()["error"] == "pin_required"
    r = client.post(url, json={"decision": "admit", "reason": "已核实身份", "pin": "000000"}, headers=h)
    assert r.status_code == 401 and r.get_json()["error"] == "pin_wrong"
    assert client.get("/referrals/").get_json()[0]["id"] == e["id"]

    r = client.post(url, json={"decision": "admit", "reason": "已核实身份", "pin": PIN, "operator": "王"}, headers=h)
    assert r.status_code == 200
    last = runtime.journal.recent(1)[0]
    assert (last["ref"], last["decision"], last["reasons"]) == (e["id"], "admit", ["override"])
    assert last["operator"] == {"name": "王", "reason": "已核实身份"}
    assert client.get("/referrals/").get_json() == []
    assert client.get("/api/today").get_json()["today"]["in"] == 1
    assert len(runtime.devices.relay.pulses) == 1          # the gate opened for the admitted person


def test_repeated_wrong_pins_lock_everyone_out_for_a_while(client):
    h = {"X-CSRFToken": csrf_token(client)}
    codes = [client.post("/volunteer/unlock", json={"pin": "1111"}, headers=h).status_code
             for _ in range(volunteer.MAX_FAILURES)]
    assert codes == [401] * (volunteer.MAX_FAILURES - 1) + [429]
    r = client.post("/volunteer/unlock", json={"pin": PIN}, headers=h)
    assert r.status_code == 429           # even the right PIN waits out the lockout


def test_handheld_reading_is_checked_and_kept_for_the_next_scan(client, runtime):
    h = {"X-CSRFToken": csrf_token(client)}
    assert client.post("/volunteer/unlock", json={"pin": PIN}, headers=h).status_code == 200
    r = client.post("/handheld/", json={"value_c": "3 6"}, headers=h)
    assert r.status_code == 400 and r.get_json()["error"] == "not_a_number"
    r = client.post("/handheld/", json={"value_c": "36,4"}, headers=h)
    assert r.status_code == 200
    assert runtime.checkpoint.handheld.peek().value_c == 36.4


def test_the_screen_needs_no_pin_and_speaks_the_configured_language(client):
    html = client.get("/").get_data(as_text=True)
    assert "请出示通行码" in html
    h = {"X-CSRFToken": csrf_token(client)}
    r = client.post("/lang", data={"lang": "en"}, headers=h)
    assert r.status_code == 303
    assert "Show your pass code" in client.get("/").get_data(as_text=True)


def test_status_names_a_missing_thermometer(client):
    items = {i["key"]: i for i in client.get("/api/status").get_json()["items"]}
    assert items["thermometer"]["ok"] is True and items["thermometer"]["text"] == "未配置"


def test_a_visitor_form_with_mistakes_says_which_fields_and_records_nothing(client, runtime):
    h = {"X-CSRFToken": csrf_token(client)}
    form = {"name": "李华", "phone": "1380013800", "id_number": "110105194912310021", "going_to": "3栋501",
            "coming_from": "", "heading_to": "回家", "contact": "no", "symptoms": "maybe", "pin": PIN}
    r = client.post("/visitors/", json=form, headers=h)
    assert r.status_code == 400
    fields = r.get_json()["fields"]
    assert fields == {"phone": "手机号应为 11 位数字", "id_number": "身份证号不正确", "going_to": "格式如 3-2-501",
                      "coming_from": "必填", "symptoms": "必填"}
    assert runtime.journal.last_seq() == 0


def test_a_registered_visitor_pass_is_shown_only_to_a_volunteer(client, app):
    h = {"X-CSRFToken": csrf_token(client)}
    form = {"name": "欧阳娜娜娜", "phone": "138 0013 8000", "id_number": "11010519491231002x", "going_to": "3-2-501",
            "coming_from": "海淀", "heading_to": "回家", "contact": "no", "symptoms": "no", "pin": PIN}
    r = client.post("/visitors/", json=form, headers=h)
    assert r.status_code == 200
    url = r.get_json()["pass_url"]
    page = client.get(url).get_data(as_text=True)
    # Masked as on the verdict card: the first character, and no more stars than three.
    assert "<svg" in page and "欧***" in page and "欧****" not in page and "娜" not in page
    assert app.test_client().get(url).status_code == 401      # another browser, not signed in
