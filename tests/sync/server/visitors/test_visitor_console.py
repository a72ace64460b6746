"""Visitors in the console: declarations for admins only, every view and export audited,
invitation links, and the gate poster."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import segno

from sync import passes
from sync.schema import Batch
from sync.server.console.store import ConsoleStore
from sync.server.visitors.config import VisitorsSection
from tests.sync.server.consolekit import entry_fields, journal_entries, login, token
from tests.sync.server.visitors.conftest import ADMIN, VIEWER


def _registered(fill, **changes) -> str:
    r = fill(**changes)
    assert r.status_code == 303, r.get_data(as_text=True)
    return r.headers["Location"].split("/p/")[1].split("?")[0]


def test_only_admins_see_declarations_and_each_view_is_audited(visitor_app, fill, storage):
    pass_id = _registered(fill)
    viewer = visitor_app.test_client()
    login(viewer, *VIEWER)
    assert viewer.get("/console/visitors").status_code == 403
    assert viewer.get(f"/console/visitors/{pass_id}").status_code == 403
    assert viewer.get("/console/visitors/export.csv").status_code == 403
    assert visitor_app.test_client().get("/console/visitors").status_code == 302     # not logged in: to login

    admin = visitor_app.test_client()
    login(admin, *ADMIN)
    page = admin.get("/console/visitors").get_data(as_text=True)
    assert "张伟" in page and "13800138000" in page and "河南省 郑州市" in page
    assert "张伟" in admin.get(f"/console/visitors/{pass_id}").get_data(as_text=True)
    log = ConsoleStore(storage).audit_log()
    assert [(a["actor"], a["action"]) for a in log[:2]] == [("alice", "view_declaration"), ("alice", "view_declarations")]
    assert log[0]["detail"] == {"pass_id": pass_id}


def test_an_entry_made_with_the_pass_links_admins_to_the_declaration(visitor_app, fill, storage, tmp_path):
    pass_id = _registered(fill)
    entries = journal_entries(tmp_path, "east", [entry_fields(decision="refer", pass_id=pass_id)])
    storage.store([Batch(site="demo-site", gate="east", entries=entries)])
    admin, viewer = visitor_app.test_client(), visitor_app.test_client()
    login(admin, *ADMIN)
    login(viewer, *VIEWER)
    page = admin.get("/console/entries/demo-site/east/1").get_data(as_text=True)
    assert f'href="/console/visitors/{pass_id}" data-testid="detail-declaration"' in page
    assert 'data-testid="detail-declaration"' not in viewer.get("/console/entries/demo-site/east/1").get_data(as_text=True)
    detail = admin.get(f"/console/visitors/{pass_id}").get_data(as_text=True)
    assert "east #1" in detail


def test_the_export_is_audited_and_its_cells_are_inert(visitor_app, fill, storage):
    _registered(fill, name="=HYPERLINK(1)", id_number="11010519491231002X")
    admin = visitor_app.test_client()
    login(admin, *ADMIN)
    r = admin.get("/console/visitors/export.csv")
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0]["name"] == "'=HYPERLINK(1)"
    assert rows[0]["id_masked"] == "110105********002X" and "id_hash" not in rows[0]
    assert "11010519491231002X" not in r.get_data(as_text=True)
    exported = ConsoleStore(storage).audit_log(action="export_declarations")
    assert exported[0]["actor"] == "alice" and exported[0]["detail"]["rows"] == 1


def test_an_invitation_fixes_household_and_window_and_marks_the_pass(visitor_app, fill, phone):
    admin = visitor_app.test_client()
    login(admin, *ADMIN)
    r = admin.post("/console/visitors/invitations", data={
        "csrf_token": token(admin, "/console/visitors"), "household": "3-2-501", "from": "2031-05-01", "days": "2"})
    link = r.headers["Location"]
    tok = link.split("i%3D")[1] if "i%3D" in link else link.split("i=")[1]
    form = phone.get(f"/v/?i={tok}").get_data(as_text=True)
    assert 'data-testid="invited"' in form and 'value="501"' in form
    assert f'href="/v/?i={tok}&amp;lang=en"' in form          # the language switch keeps the invitation
    # The visitor cannot move the invitation to another household.
    pass_id = _registered(fill, invitation=tok, building="9", unit="9", room="909")
    row = visitor_app.extensions["visitor_page"].registrar.declarations.get(pass_id)
    p = passes.parse(row["pass_text"]).payload
    assert p.household == "3-2-501" and p.visitor.invited
    start = datetime.fromtimestamp(p.not_before, ZoneInfo("Asia/Shanghai"))
    assert (start.date().isoformat(), p.expires - p.not_before) == ("2031-05-01", 2 * 86400 - 1)


def test_an_unknown_invitation_is_said_in_words(visitor_app, fill, phone):
    assert "邀请链接已过期或无效" in phone.get("/v/?i=nope").get_data(as_text=True)
    r = fill(invitation="nope")
    assert r.status_code == 400 and "邀请链接已过期或无效" in r.get_data(as_text=True)


def test_the_poster_holds_the_page_address_as_a_qr_code_and_three_lines_of_steps(visitor_app):
    viewer = visitor_app.test_client()
    login(viewer, *VIEWER)
    html = viewer.get("/console/visitors/poster?gate=east").get_data(as_text=True)
    assert "访客请扫码登记" in html and "Visitors: scan to register" in html and 'data-testid="poster-gate">east' in html
    assert html.count("<li>") == 3
    url = "http://localhost/v/"         # no [visitors] public_url: the address the console was reached at
    assert f'data-testid="poster-url">{url}<' in html
    assert segno.make_qr(url, error="m").svg_inline(scale=1, border=2, omitsize=True) in html


@pytest.mark.parametrize("visitor_settings", [VisitorsSection(public_url="https://visit.example.org/v/")])
def test_the_poster_prints_the_configured_public_address(visitor_app):
    viewer = visitor_app.test_client()
    login(viewer, *VIEWER)
    html = viewer.get("/console/visitors/poster?gate=east").get_data(as_text=True)
    assert segno.make_qr("https://visit.example.org/v/", error="m").svg_inline(scale=1, border=2, omitsize=True) in html
