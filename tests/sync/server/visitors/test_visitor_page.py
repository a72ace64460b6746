"""The public visitor page: the form, the signed pass it gives, and what it refuses."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from kiosk import credentials
from kiosk.policy import decide
from kiosk.registry import Registry
from kiosk.temperature import TemperatureResult
from sync import passes
from sync.schema import Batch
from sync.server.console.store import ConsoleStore
from sync.server.storage import EntryQuery
from sync.server.visitors.retention import purge
from sync.server.visitors.config import VisitorsSection
from sync.server.visitors.store import DeclarationStore
from tests.sync.server.consolekit import entry_fields, journal_entries

VALID_ID = "11010519491231002X"


def _pass_of(visitor_app, response) -> tuple[str, dict]:
    assert response.status_code == 303, response.get_data(as_text=True)
    pass_id = response.headers["Location"].split("/p/")[1].split("?")[0]
    row = DeclarationStore(visitor_app.extensions["visitor_page"].registrar.declarations.storage).get(pass_id)
    return pass_id, row


def test_the_form_is_chinese_first_with_an_english_switch_and_a_consent_line(phone):
    zh = phone.get("/v/").get_data(as_text=True)
    assert "访客登记" in zh and "保存28天后删除" in zh and 'data-testid="lang-switch"' in zh
    en = phone.get("/v/?lang=en").get_data(as_text=True)
    assert "Visitor registration" in en and "deleted after 28 days" in en
    assert "<script>" not in zh and " style=" not in zh      # strict CSP: no inline script or style
    # The health questions have no default answer.
    assert 'value="yes" required checked' not in zh and 'value="no" checked' not in zh


def test_a_filled_form_gives_a_signed_pass_for_today_bound_to_site_and_household(visitor_app, fill, phone, pass_key):
    pass_id, row = _pass_of(visitor_app, fill(contact="no", symptoms="no"))
    page = phone.get(f"/v/p/{pass_id}?lang=zh").get_data(as_text=True)
    assert "<svg" in page and "张*" in page and "3-2-501" in page and "截图" in page
    assert "<script" not in page and " style=" not in page and "张伟" not in page
    p = passes.parse(row["pass_text"])
    assert passes.signature_ok(p, pass_key.key.public_key())
    assert (p.payload.role, p.payload.site, p.payload.household) == ("visitor", "demo-site", "3-2-501")
    assert p.payload.visitor == passes.VisitorClaims("张*", "410100", contact=False, symptoms=False)
    end = datetime.fromtimestamp(p.payload.expires + 1, ZoneInfo("Asia/Shanghai"))
    assert (end.hour, end.minute) == (0, 0)            # valid to the end of the site's day
    # The full declaration stays on the server, under the pass id.
    assert (row["name"], row["phone"], row["heading_to"]) == ("张伟", "13800138000", "探亲")


def test_risk_answers_are_told_to_see_the_volunteer_and_the_kiosk_never_admits(visitor_app, fill, phone, pass_key):
    pass_id, row = _pass_of(visitor_app, fill(symptoms="yes"))
    assert "请到门岗找志愿者" in phone.get(f"/v/p/{pass_id}").get_data(as_text=True)
    reg = Registry.from_dict({"version": 1, "site": "demo-site", "trusted_keys": pass_key.registry_entry(),
                              "rules": {"self_registered_visitors": "admit"}})
    now = datetime.now(timezone.utc)
    a = credentials.assess(credentials.parse(row["pass_text"]), reg, now, b"s" * 32, site="demo-site")
    d = decide(a, TemperatureResult("ok", 36.5), direction="in", now=now, site=reg.rules)
    assert (d.decision, d.reasons) == ("deny", ("visitor_declared_risk",))


def test_an_id_number_is_kept_only_as_keyed_hash_and_masked_form(visitor_app, fill, storage, tmp_path):
    _, row = _pass_of(visitor_app, fill(id_number=VALID_ID.lower()))
    assert row["id_masked"] == "110105********002X" and len(row["id_hash"]) == 64
    if hasattr(storage, "path"):
        storage.close()
        for f in tmp_path.glob("server.sqlite3*"):
            assert VALID_ID.encode() not in f.read_bytes()


def test_a_wrong_id_number_or_a_missing_answer_is_marked_on_the_form(visitor_app, fill):
    r = fill(id_number="110105194912310021", contact=None)
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert 'data-testid="error-id_number"' in html and 'data-testid="error-contact"' in html
    assert DeclarationStore(visitor_app.extensions["visitor_page"].registrar.declarations.storage).recent() == []


def test_an_unknown_household_is_told_to_check_the_address_and_nothing_else(visitor_app, fill):
    unknown = fill(building="99", unit="9", room="909")
    html = unknown.get_data(as_text=True)
    assert unknown.status_code == 400 and "请与您要拜访的人核对地址" in html
    assert "3-2-501" not in html                         # nothing hints at which households exist


def test_every_field_has_a_size_limit(visitor_app, fill):
    r = fill(name="张" * 41, heading_to="x" * 81)
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and 'data-testid="error-name"' in html and 'data-testid="error-heading_to"' in html
    assert fill(heading_to="x" * 9000).status_code == 413


def test_a_post_without_the_forms_token_is_refused(visitor_app, phone):
    r = phone.post("/v/", data={"name": "张伟", "phone": "13800138000"})
    assert r.status_code == 400 and "页面已过期" in r.get_data(as_text=True)
    phone.get("/v/")
    r = phone.post("/v/", data={"csrf_token": "1700000000.00000000000000000000000000000000"})
    assert r.status_code == 400


@pytest.mark.parametrize("visitor_settings", [VisitorsSection(per_ip_per_hour=5, per_phone_per_hour=50)])
def test_one_address_is_limited_to_five_an_hour(visitor_app, fill):
    for i in range(5):
        assert fill(phone=f"1380013800{i}").status_code == 303
    r = fill(phone="13800138009")
    assert r.status_code == 429 and "一小时后再试" in r.get_data(as_text=True)
    assert fill(ip="198.51.100.1").status_code == 303   # another address is not held back


@pytest.mark.parametrize("visitor_settings", [VisitorsSection(per_ip_per_hour=50, per_phone_per_hour=2)])
def test_one_phone_number_is_limited_whatever_the_address(visitor_app, fill):
    assert fill(ip="198.51.100.1").status_code == 303
    assert fill(ip="198.51.100.2").status_code == 303
    r = fill(ip="198.51.100.3", lang="en")
    assert r.status_code == 429 and "try again in an hour" in r.get_data(as_text=True)


def test_the_retention_purge_removes_old_declarations_keeps_entries_and_is_audited(visitor_app, fill, storage, tmp_path):
    old_id, _ = _pass_of(visitor_app, fill())
    new_id, _ = _pass_of(visitor_app, fill(phone="13900139000"))
    declarations = visitor_app.extensions["visitor_page"].registrar.declarations
    with storage._write() as cur:           # the first was made 29 days ago
        cur.execute(storage._sql("UPDATE visitor_declarations SET created_at = created_at - ? WHERE pass_id = ?"),
                    (29 * 86400, old_id))
    entries = journal_entries(tmp_path, "east", [entry_fields(pass_id=old_id)])
    storage.store([Batch(site="demo-site", gate="east", entries=entries)])
    audit = ConsoleStore(storage)
    invitations = visitor_app.extensions["visitor_page"].registrar.invitations
    invitations.add("old", "3-2-501", time.time() - 40 * 86400, time.time() - 30 * 86400, "alice")
    invitations.add("recent", "3-2-501", time.time() - 3 * 86400, time.time() - 2 * 86400, "alice")
    assert purge(declarations, audit.audit, 28, invitations=invitations) == 1
    assert [i["token"] for i in invitations.recent()] == ["recent"]
    assert declarations.get(old_id) is None and declarations.get(new_id) is not None
    assert [e["pass_id"] for e in storage.iter_entries(EntryQuery())] == [old_id]
    log = audit.audit_log(action="visitor_declarations_purged")
    assert log[0]["detail"] == {"removed": 1, "invitations_removed": 1, "retention_days": 28}


@pytest.mark.parametrize("visitor_settings", [VisitorsSection(per_ip_per_hour=1, trusted_proxies=1)])
def test_behind_a_proxy_the_limit_counts_the_forwarded_address(visitor_app, phone, fill):
    phone.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.1"
    assert fill(ip="10.0.0.1").status_code == 303
    assert fill(ip="10.0.0.1", phone="13900139000").status_code == 429
    phone.environ_base["HTTP_X_FORWARDED_FOR"] = "spoofed, 198.51.100.2"   # only the proxy's own hop counts
    assert fill(ip="10.0.0.1", phone="13700137000").status_code == 303
