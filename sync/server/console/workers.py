"""Worker passes (cleaners, contractors, deliveries, meter readers): signed passes with
weekly time windows in the site's zone and an end date, issued one at a time on a
household's page or from a list, and printed on the building's sheet like residents'."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from sync.server.console import registry_content
from sync.server.console.auth import actor, admin_required
from sync.server.console.registry_content import notify_published
from sync.server.console.roster import read_table

bp = Blueprint("workers", __name__, template_folder="templates")

MAX_DAYS = 366


def _console():
    return current_app.extensions["console"]


def _days(value: str) -> float:
    try:
        days = float(value)
    except ValueError:
        raise ValueError(f"days {value!r}: a number of days, 1-{MAX_DAYS}") from None
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days {value!r}: a number of days, 1-{MAX_DAYS}")
    return days


def _sign(con, household: str, windows: str, days: float):
    from sync.server.passes import IssueError, issue

    if con.store.household(household) is None:
        raise ValueError(f"household {household!r} is not in the residents list")
    try:
        return issue(con.pass_key, site=con.site, household=household, role="worker", days=days, windows=windows)
    except IssueError as exc:
        raise ValueError(str(exc)) from None


def _keep(con, issued) -> None:
    p = issued.payload
    con.store.add_pass(pass_id=p.pass_id, resident_id=None, household=p.household, role=p.role, text=issued.text,
                       not_before=p.not_before, expires=p.expires, issued_by=actor())


def _key_to_kiosks(con) -> None:
    if con.publish is not None and not registry_content.pass_key_published(con):
        notify_published(registry_content.publish(con, actor(), "pass key added"))


@bp.post("/households/<hid>/worker-pass")
@admin_required
def issue_one(hid: str):
    con = _console()
    if con.pass_key is None:
        abort(503, description="this server cannot sign passes (no pass key)")
    try:
        issued = _sign(con, hid, request.form.get("windows", ""), _days(request.form.get("days", "")))
    except ValueError as exc:
        abort(400, description=str(exc))
    _keep(con, issued)
    con.store.audit(actor(), "pass_issue", {"pass_id": issued.payload.pass_id, "household": hid, "role": "worker",
                                            "windows": request.form.get("windows", "")}, request.remote_addr)
    flash(("passes.issued", {"pass_id": issued.payload.pass_id}))
    _key_to_kiosks(con)
    return redirect(url_for("households.detail", hid=hid))


@bp.post("/workers/import")
@admin_required
def import_():
    """A list with household, windows and days columns; any bad row issues nothing."""
    con = _console()
    upload = request.files.get("file")
    if upload is None or not upload.filename or con.pass_key is None:
        abort(400, description="no file, or this server cannot sign passes")
    issued, errors = [], []
    try:
        rows = read_table(upload.filename, upload.read())
    except ValueError as exc:
        rows, errors = [], [(0, str(exc))]
    header = [h.strip().lower() for h in rows[0]] if rows else []
    for n, row in enumerate(rows[1:], start=2):
        cells = dict(zip(header, row))
        if not any(c.strip() for c in row):
            continue
        try:
            issued.append(_sign(con, cells.get("household", "").strip(), cells.get("windows", ""),
                                _days(cells.get("days", "").strip() or "30")))
        except ValueError as exc:
            errors.append((n, str(exc)))
    if errors or not issued:
        con.store.audit(actor(), "workers_import_rejected", {"file": upload.filename, "errors": len(errors)},
                        request.remote_addr)
        return render_template("console/workers_import.html", errors=errors[:100] or [(0, "no rows")],
                               error_count=len(errors) or 1), 400
    for p in issued:
        _keep(con, p)
    con.store.audit(actor(), "workers_import", {"file": upload.filename, "issued": len(issued)}, request.remote_addr)
    _key_to_kiosks(con)
    return render_template("console/workers_import.html", errors=[], error_count=0, issued=issued)
