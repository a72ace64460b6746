"""Alerts: fevers and quarantine-exit attempts as they arrive, acknowledged by staff.

Repeats of one pass (the same person showing a fever at the gate again and again) are
one group on the page; a group, or any number of them, is acknowledged at once with a note.
"""

from __future__ import annotations

import re

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for

from sync.server.console.auth import actor, admin_required, login_required
from sync.server.console.query import local_time

bp = Blueprint("alerts", __name__, template_folder="templates")

NOTE_MAX = 500
# One alert as a form value: site~gate~seq; a group's checkbox carries its members joined by ';'.
_KEY = re.compile(r"^([0-9A-Za-z_-]{1,64})~([0-9A-Za-z_-]{1,64})~(\d{1,18})$")


def _console():
    return current_app.extensions["console"]


def _alerts(include_acked: bool) -> list[dict]:
    con = _console()
    out = []
    for a in con.store.alerts(include_acked=include_acked):
        a["time"] = local_time(a["ts"], con.tz)
        a["reasons"] = [r for r in a["reasons"].split(",") if r]
        a["key"] = f"{a['site']}~{a['gate']}~{a['seq']}"
        out.append(a)
    return out


def grouped(alerts: list[dict]) -> list[dict]:
    """Alerts of one pass, the same reasons and the same state (open or acknowledged) as
    one group, newest first; an alert without a pass is a group of its own."""
    groups: dict[tuple, dict] = {}
    for a in alerts:  # newest first
        key = (a["pass_id"], tuple(a["reasons"]), bool(a["acked_by"])) if a["pass_id"] else (a["key"],)
        g = groups.get(key)
        if g is None:
            groups[key] = {**a, "members": [a], "first_time": a["time"], "max_temp": a["temperature_c"]}
            continue
        g["members"].append(a)
        g["first_time"] = a["time"]
        if a["temperature_c"] is not None and (g["max_temp"] is None or a["temperature_c"] > g["max_temp"]):
            g["max_temp"] = a["temperature_c"]
    for g in groups.values():
        g["count"] = len(g["members"])
        g["ack_keys"] = ";".join(m["key"] for m in g["members"])
        g["gates"] = sorted({m["gate"] for m in g["members"]})
    return list(groups.values())


@bp.get("/alerts")
@login_required
def index():
    show_all = request.args.get("all") == "1"
    alerts = _alerts(show_all)
    return render_template("console/alerts.html", groups=grouped(alerts), show_all=show_all,
                           open=sum(1 for a in alerts if not a["acked_by"]), note_max=NOTE_MAX)


@bp.get("/alerts/data")
@login_required
def data():
    alerts = _alerts(request.args.get("all") == "1")
    return jsonify(open=sum(1 for a in alerts if not a["acked_by"]), alerts=alerts)


@bp.post("/alerts/<site>/<gate>/<int:seq>/ack")
@admin_required
def ack(site: str, gate: str, seq: int):
    con = _console()
    if con.store.ack_alert(site, gate, seq, actor()):
        con.store.audit(actor(), "alert_ack", {"site": site, "gate": gate, "seq": seq}, request.remote_addr)
    if request.headers.get("X-CSRF-Token"):
        return jsonify(ok=True)
    return redirect(url_for("alerts.index"))


def _keys(values: list[str]) -> list[tuple[str, str, int]]:
    keys = []
    for value in values:
        for part in value.split(";"):
            m = _KEY.match(part)
            if m:
                keys.append((m.group(1), m.group(2), int(m.group(3))))
    return keys


@bp.post("/alerts/ack")
@admin_required
def ack_many():
    """The checked groups, acknowledged together with one note."""
    con = _console()
    keys = _keys(request.form.getlist("alert"))
    note = (request.form.get("note") or "").strip()
    if not keys:
        flash(("alerts.none_checked", {}))
        return redirect(url_for("alerts.index"))
    if len(note) > NOTE_MAX:
        flash(("alerts.note_too_long", {"n": NOTE_MAX}))
        return redirect(url_for("alerts.index"))
    done = con.store.ack_alerts(keys, actor(), note)
    con.store.audit(actor(), "alert_ack", {"alerts": [f"{s}/{g}/{q}" for s, g, q in keys], "acked": done,
                                           "note": note}, request.remote_addr)
    flash(("alerts.acked_many", {"n": done}))
    return redirect(url_for("alerts.index"))
