"""Home quarantine: put a household or one person under quarantine between two dates,
lift it; each change is published to the kiosks at once."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from sync.idnumber import find_in_text
from sync.server.console import registry_content
from sync.server.console.auth import actor, admin_required, login_required
from sync.server.console.registry_content import notify_published

bp = Blueprint("quarantine", __name__, template_folder="templates")


def _console():
    return current_app.extensions["console"]


def _page(error: str | None = None, form: dict | None = None, status: int = 200):
    store = _console().store
    form = form or {k: request.args.get(k, "") for k in ("household", "resident_id")}
    # One person of a household: the form names them instead of asking for a household.
    person = store.resident(form["resident_id"]) if form.get("resident_id") else None
    return render_template("console/quarantine.html", quarantines=store.quarantines(), error=error,
                           form=form, person=person, today=_console().today().isoformat()), status


@bp.get("/quarantine")
@login_required
def index():
    return _page()


@bp.post("/quarantine")
@admin_required
def add():
    con = _console()
    form = {k: request.form.get(k, "").strip() for k in ("household", "resident_id", "from", "to", "note")}
    household = form["household"] or None
    resident_id = form["resident_id"] or None
    if bool(household) == bool(resident_id):
        return _page("quarantine.need_target", form, 400)
    if household and con.store.household(household) is None:
        return _page("quarantine.unknown_household", form, 400)
    if resident_id and con.store.resident(resident_id) is None:
        return _page("quarantine.unknown_resident", form, 400)
    try:
        start, end = date.fromisoformat(form["from"]), date.fromisoformat(form["to"])
    except ValueError:
        return _page("quarantine.bad_dates", form, 400)
    if end < start:
        return _page("quarantine.bad_dates", form, 400)
    if find_in_text(form["note"]):
        return _page("quarantine.id_in_note", {**form, "note": ""}, 400)
    qid = con.store.add_quarantine(household=household, resident_id=resident_id, start=start.isoformat(),
                                   end=end.isoformat(), note=form["note"][:200], by=actor())
    con.store.audit(actor(), "quarantine_add", {"id": qid, "household": household, "resident": resident_id,
                                                "from": start.isoformat(), "to": end.isoformat()},
                    request.remote_addr)
    notify_published(registry_content.publish(con, actor(), f"quarantine {qid} added"))
    return redirect(url_for("quarantine.index"))


@bp.post("/quarantine/<qid>/lift")
@admin_required
def lift(qid: str):
    con = _console()
    if con.store.quarantine(qid) is None:
        abort(404)
    if con.store.lift_quarantine(qid, actor()):
        con.store.audit(actor(), "quarantine_lift", {"id": qid}, request.remote_addr)
        notify_published(registry_content.publish(con, actor(), f"quarantine {qid} lifted"))
    return redirect(url_for("quarantine.index"))
