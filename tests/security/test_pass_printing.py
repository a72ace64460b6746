"""Finding 1: passes are credentials. Printing one is an admin's act, audited; the store
forgets a pass's text once it is printed; a reprint is a new pass and the old one is
revoked at every gate."""

from __future__ import annotations

from kiosk.registry import Registry
from tests.sync.server.consolekit import ADMIN, VIEWER, login, token


def _one_pass(console_app, console) -> tuple[dict, str]:
    con = console_app.extensions["console"]
    con.store.import_residents([{"building": "3", "unit": "2", "room": "501", "name": "张伟", "phone": ""}])
    rid = con.store.residents()[0]["id"]
    login(console, *ADMIN)
    t = token(console, "/console/households/3-2-501")
    assert console.post(f"/console/residents/{rid}/pass", data={"csrf_token": t}).status_code == 302
    (p,) = con.store.passes(household="3-2-501")
    return p, t


def test_a_viewer_can_neither_see_nor_print_the_pass_sheet(console_app, console):
    p, _ = _one_pass(console_app, console)
    console.post("/console/logout", data={"csrf_token": token(console)})
    login(console, *VIEWER)
    t = token(console)
    assert console.get("/console/passes/print?building=3").status_code == 403
    r = console.post("/console/passes/print", data={"csrf_token": t, "building": "3"})
    assert r.status_code == 403 and p["pass_id"] not in r.get_data(as_text=True)
    assert 'data-testid="print-building"' not in console.get("/console/households/3-2-501").get_data(as_text=True)


def test_printing_is_asked_first_and_never_by_a_plain_link(console_app, console):
    _one_pass(console_app, console)
    page = console.get("/console/passes/print?building=3").get_data(as_text=True)
    assert 'data-testid="print-confirm"' in page and 'data-testid="pass-card"' not in page
    # A forged cross-site form has no CSRF token: nothing is printed or re-issued.
    assert console.post("/console/passes/print", data={"building": "3"}).status_code == 400


def test_a_printed_pass_is_forgotten_and_a_reprint_revokes_it(console_app, console, published):
    con = console_app.extensions["console"]
    p, t = _one_pass(console_app, console)
    sheet = console.post("/console/passes/print", data={"csrf_token": t, "building": "3"}).get_data(as_text=True)
    assert sheet.count('data-testid="pass-card"') == 1 and p["pass_id"] in sheet
    assert con.store.pass_(p["pass_id"])["text"] == "", "the store keeps a printed pass's text"

    again = console.post("/console/passes/print", data={"csrf_token": t, "building": "3"}).get_data(as_text=True)
    (new,) = con.store.passes(building="3", active_only=True)
    assert new["pass_id"] != p["pass_id"] and new["pass_id"] in again and p["pass_id"] not in again
    assert new["text"] == ""
    registry = Registry.from_dict({**published[-1], "version": 2})
    assert registry.is_revoked(p["pass_id"]) and not registry.is_revoked(new["pass_id"])

    audit = con.store.audit_log(action="passes_print")
    assert [a["actor"] for a in audit] == [ADMIN[0], ADMIN[0]]
    assert audit[0]["detail"]["reissued"] == {p["pass_id"]: new["pass_id"]}
    assert audit[1]["detail"] == {"building": "3", "printed": [p["pass_id"]], "reissued": {}}
