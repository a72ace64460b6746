"""Alerts: fevers and quarantine-exit attempts as they arrive, acknowledged by staff."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for

from sync.server.console.auth import actor, admin_required, login_required
from sync.server.console.query import local_time

bp = Blueprint("alerts", __name__, template_folder="templates")


def _console():
    return current_app.extensions["console"]


def _alerts(include_acked: bool) -> list[dict]:
    con = _console()
    out = []
    for a in con.store.alerts(include_acked=include_acked):
        a["time"] = local_time(a["ts"], con.tz)
        a["reasons"] = [r for r in a["reasons"].split(",") if r]
        out.append(a)
    return out


@bp.get("/alerts")
@login_required
def index():
    show_all = request.args.get("all") == "1"
    return render_template("console/alerts.html", alerts=_alerts(show_all), show_all=show_all)


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
