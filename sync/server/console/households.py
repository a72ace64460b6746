"""Residents and households: import from CSV/Excel, edit, issue, print and revoke passes."""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from sync.idnumber import find_in_text
from sync.server.console import registry_content
from sync.server.console.auth import actor, admin_required, login_required
from sync.server.console.registry_content import notify_published
from sync.server.console.entries import entry_row
from sync.server.console.query import ConsoleQuery, to_utc
from sync.server.console.roster import COLUMNS, parse_roster, read_table
from sync.server.console.store import household_id

# A household's page shows its own and its visitors' entries of these last days.
RECENT_DAYS = 30
RECENT_MAX = 500

bp = Blueprint("households", __name__, template_folder="templates")

_PHONE_MAX = 20


def _console():
    return current_app.extensions["console"]


def _resident_or_404(rid: str) -> dict:
    resident = _console().store.resident(rid)
    if resident is None:
        abort(404)
    return resident


@bp.get("/households")
@login_required
def index():
    building = request.args.get("building") or None
    search = (request.args.get("q") or "").strip() or None
    return _households_page(_console().store, building=building, search=search)


def _households_page(store, *, building: str | None = None, search: str | None = None,
                     result: dict | None = None, status: int = 200):
    """The households list, with the outcome of an import or an addition when there is one."""
    return render_template("console/households.html", households=store.households(building, search),
                           buildings=store.buildings(), building=building or "", search=search or "",
                           result=result), status


@bp.post("/households/import")
@admin_required
def import_():
    con = _console()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        abort(400, description="no file")
    try:
        roster = parse_roster(read_table(upload.filename, upload.read()))
    except ValueError as exc:
        roster = None
        errors = [(0, str(exc))]
    else:
        errors = roster.errors
    result = {"errors": errors[:100], "error_count": len(errors)}
    if not errors:
        result.update(con.store.import_residents(roster.records))
        con.store.audit(actor(), "residents_import", {"file": upload.filename, **{
            k: result[k] for k in ("added", "updated", "unchanged")}}, request.remote_addr)
    else:
        con.store.audit(actor(), "residents_import_rejected", {"file": upload.filename, "errors": len(errors)},
                        request.remote_addr)
    return _households_page(con.store, result=result, status=200 if not errors else 400)


@bp.post("/residents")
@admin_required
def add_resident():
    """One resident typed in (a new household, or one more person in a known one),
    checked exactly as a row of an imported list is."""
    con = _console()
    roster = parse_roster([list(COLUMNS), [request.form.get(k, "").strip() for k in COLUMNS]])
    # An empty form is a blank row, which a list may have and which adds nobody.
    errors = roster.errors or ([] if roster.records else [(0, "fill in the building, unit, room and name")])
    if errors:
        result = {"errors": [(0, msg) for _, msg in errors], "error_count": len(errors)}
        return _households_page(con.store, result=result, status=400)
    counts = con.store.import_residents(roster.records)
    first = roster.records[0]
    hid = household_id(first["building"], first["unit"], first["room"])
    con.store.audit(actor(), "resident_add", {"household": hid, "names": [r["name"] for r in roster.records],
                                              "added": counts["added"]}, request.remote_addr)
    return redirect(url_for("households.detail", hid=hid))


@bp.get("/households/<hid>")
@login_required
def detail(hid: str):
    store = _console().store
    household = store.household(hid)
    if household is None:
        abort(404)
    con = _console()
    since = to_utc((con.today() - timedelta(days=RECENT_DAYS)).isoformat() + "T00:00", con.tz)
    recent = con.store.entries_page(ConsoleQuery(household=hid, since=since), limit=RECENT_MAX)
    history = [q for q in store.quarantines(current_only=False) if q["household"] == hid
               or q["resident_household"] == hid]
    return render_template("console/household.html", household=household, residents=store.residents(household=hid),
                           passes=store.passes(household=hid), now=time.time(), cards=store.cards(household=hid),
                           quarantines=[q for q in history if not q["lifted_at"]], history=history,
                           recent=[entry_row(e, con.tz) for e in recent], recent_max=RECENT_MAX,
                           recent_days=RECENT_DAYS,
                           visits=[entry_row(e, con.tz) for e in con.store.visits_to(hid, since)])


@bp.post("/residents/<rid>")
@admin_required
def edit_resident(rid: str):
    con = _console()
    resident = _resident_or_404(rid)
    name = request.form.get("name", "").strip()
    phone = request.form.get("phone", "").strip()
    if not name or len(name) > 40 or len(phone) > _PHONE_MAX:
        abort(400, description="name 1-40 characters, phone up to 20")
    if find_in_text(name) or find_in_text(phone):
        abort(400, description="ID numbers are not kept in the residents list")
    con.store.update_resident(rid, name, phone)
    con.store.audit(actor(), "resident_edit", {"resident": rid, "household": resident["household"],
                                               "name": name}, request.remote_addr)
    return redirect(url_for("households.detail", hid=resident["household"]))


@bp.post("/residents/<rid>/pass")
@admin_required
def issue(rid: str):
    con = _console()
    resident = _resident_or_404(rid)
    if con.pass_key is None:
        abort(503, description="this server cannot sign passes (no pass key)")
    from sync.server.passes import IssueError, issue as sign_pass

    try:
        issued = sign_pass(con.pass_key, site=con.site, household=resident["household"], role="resident",
                           days=con.settings.pass_valid_days)
    except IssueError as exc:
        abort(400, description=str(exc))
    p = issued.payload
    con.store.add_pass(pass_id=p.pass_id, resident_id=rid, household=p.household, role=p.role, text=issued.text,
                       not_before=p.not_before, expires=p.expires, issued_by=actor())
    con.store.audit(actor(), "pass_issue", {"pass_id": p.pass_id, "resident": rid, "household": p.household},
                    request.remote_addr)
    flash(("passes.issued", {"pass_id": p.pass_id}))
    if con.publish is not None:
        if not registry_content.pass_key_published(con):
            # The first pass of a new key: the kiosks must learn the key before it is shown to them.
            notify_published(registry_content.publish(con, actor(), "pass key added"))
        elif any(q["resident_id"] == rid for q in con.store.quarantines()):
            # A person under quarantine is known to the kiosks by their passes: this one too.
            notify_published(registry_content.publish(con, actor(), f"pass {p.pass_id} of a quarantined person"))
    return redirect(url_for("households.detail", hid=resident["household"]))


@bp.post("/passes/<pass_id>/revoke")
@admin_required
def revoke(pass_id: str):
    con = _console()
    p = con.store.pass_(pass_id)
    if p is None:
        abort(404)
    if con.store.revoke_pass(pass_id, actor()):
        con.store.audit(actor(), "pass_revoke", {"pass_id": pass_id, "household": p["household"]},
                        request.remote_addr)
        notify_published(registry_content.publish(con, actor(), f"pass {pass_id} revoked"))
    return redirect(url_for("households.detail", hid=p["household"]))


@bp.get("/passes/print")
@admin_required
def print_sheet():
    """What printing a building's passes will do, asked before it is done."""
    building = request.args.get("building") or None
    if not building:
        abort(400, description="choose a building")
    active = _console().store.passes(building=building, active_only=True)
    fresh = sum(1 for p in active if p["text"])
    return render_template("console/print_confirm.html", building=building, count=len(active), fresh=fresh,
                           reissue=len(active) - fresh)


@bp.post("/passes/print")
@admin_required
def print_passes():
    """The sheet of a building's active passes. A pass is printed once: its text is then
    forgotten, so a reprint is a new pass and the old one is revoked (a lost or copied
    sheet stops working once the sheet is printed again). Audited."""
    import segno

    from sync.server.passes import windows_of

    con = _console()
    building = request.form.get("building") or None
    if not building:
        abort(400, description="choose a building")
    cards, printed, reissued = [], [], {}
    for p in con.store.passes(building=building, active_only=True):
        # A worker pass's weekly times live only in its text: it is kept, and printed again as it is.
        text = p["text"] if p["text"] and windows_of(p["text"]) else con.store.take_pass_text(p["pass_id"])
        if not text:
            old = p["pass_id"]
            p, text = _reissue(con, p)
            reissued[old] = p["pass_id"]
        printed.append(p["pass_id"])
        qr = segno.make(text, error="m")
        cards.append({**p, "svg": qr.svg_inline(scale=3, border=2), "qr_version": qr.version,
                      "windows": windows_of(text)})
    con.store.audit(actor(), "passes_print", {"building": building, "printed": printed, "reissued": reissued},
                    request.remote_addr)
    if reissued and con.publish is not None:
        notify_published(registry_content.publish(con, actor(), f"{len(reissued)} reprinted pass(es) of building {building}"))
    return render_template("console/print.html", building=building, cards=cards)


def _reissue(con, old: dict) -> tuple[dict, str]:
    """A new pass in place of ``old`` (already printed), which is revoked; the new one's
    text is not kept, since it is being printed now."""
    from sync.server.passes import IssueError, issue as sign_pass

    if con.pass_key is None:
        abort(503, description="this server cannot sign passes (no pass key): printed passes cannot be reissued")
    try:
        issued = sign_pass(con.pass_key, site=con.site, household=old["household"], role=old["role"],
                           days=con.settings.pass_valid_days)
    except IssueError as exc:
        abort(400, description=str(exc))
    p = issued.payload
    con.store.add_pass(pass_id=p.pass_id, resident_id=old["resident_id"], household=p.household, role=p.role,
                       text="", not_before=p.not_before, expires=p.expires, issued_by=actor())
    con.store.revoke_pass(old["pass_id"], actor())
    return {**old, "pass_id": p.pass_id, "not_before": p.not_before, "expires": p.expires}, issued.text
