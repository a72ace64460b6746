"""Visitors in the console: the declarations (admins only; every view and export goes
to the audit log), invitation links for a household's expected visitor, and the A4
poster per gate whose QR code opens the public visitor page."""

from __future__ import annotations

import csv
import io
import secrets
from datetime import datetime, time as dtime, timedelta

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for

from sync import divisions
from sync.server.console.auth import actor, admin_required, login_required
from sync.server.storage import EntryQuery
from sync.server.visitors.store import DeclarationStore, InvitationStore

bp = Blueprint("visitors_admin", __name__, template_folder="templates")
EXPORT_COLUMNS = ("pass_id", "created_at", "household", "name", "phone", "origin", "origin_name", "heading_to",
                  "contact", "symptoms", "id_masked", "invitation", "not_before", "expires")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _console():
    return current_app.extensions["console"]


def _audit(action: str, detail: dict) -> None:
    _console().store.audit(actor(), action, detail, request.remote_addr)


def public_url() -> str:
    settings = current_app.extensions.get("visitor_settings")
    return (settings.public_url if settings and settings.public_url else request.host_url + "v/")


@bp.get("/visitors")
@admin_required
def index():
    rows = DeclarationStore(_console().store.storage).recent(200)
    _audit("view_declarations", {"rows": len(rows)})
    for r in rows:
        r["origin_name"] = divisions.describe(r["origin"])
    return render_template("console/visitors.html", rows=rows, invitations=InvitationStore(
        _console().store.storage).recent(), gates=sorted({g["gate"] for g in _console().store.storage.gates()}),
        new_link=request.args.get("link"))


@bp.get("/visitors/<pass_id>")
@admin_required
def declaration(pass_id: str):
    row = DeclarationStore(_console().store.storage).get(pass_id)
    if row is None:
        abort(404)
    _audit("view_declaration", {"pass_id": pass_id})
    row["origin_name"] = divisions.describe(row["origin"])
    entries = [e for e in _console().store.storage.iter_entries(EntryQuery(household=row["household"]))
               if e["pass_id"] == pass_id]
    return render_template("console/visitor.html", row=row, entries=entries)


@bp.get("/visitors/export.csv")
@admin_required
def export():
    rows = DeclarationStore(_console().store.storage).recent(100000)
    _audit("export_declarations", {"rows": len(rows), "format": "csv"})
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf)
    w.writerow(EXPORT_COLUMNS)
    for r in rows:
        r["origin_name"] = divisions.describe(r["origin"])
        w.writerow([_inert(r.get(c)) for c in EXPORT_COLUMNS])
    return Response(buf.getvalue().encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=visitor-declarations.csv"})


def _inert(value):
    """A cell a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


@bp.post("/visitors/invitations")
@admin_required
def invite():
    con = _console()
    household = request.form.get("household", "").strip()
    try:
        first = datetime.strptime(request.form.get("from", ""), "%Y-%m-%d").date()
        days = int(request.form.get("days", "1"))
    except ValueError:
        abort(400, description="from: a date YYYY-MM-DD; days: a number")
    if con.store.household(household) is None or not 1 <= days <= 31:
        abort(400, description="unknown household, or days outside 1-31")
    start = datetime.combine(first, dtime(0), con.tz)
    token = secrets.token_urlsafe(12)
    InvitationStore(con.store.storage).add(token, household, start.timestamp(),
                                           (start + timedelta(days=days)).timestamp() - 1, actor())
    _audit("invite_visitor", {"household": household, "from": first.isoformat(), "days": days})
    return redirect(url_for("visitors_admin.index", link=f"{public_url()}?i={token}"), 303)


@bp.get("/visitors/poster")
@login_required
def poster():
    import segno

    gate = request.args.get("gate", "")
    url = public_url()
    qr = segno.make_qr(url, error="m")
    return render_template("console/visitor_poster.html", gate=gate, url=url,
                           qr_svg=qr.svg_inline(scale=1, border=2, omitsize=True))
