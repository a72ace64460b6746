"""The cases waiting for a volunteer, and the volunteer's override of one."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request

from kiosk.web import backend, volunteer
from kiosk.web.backend import Refused
from kiosk.web.i18n import catalogue

log = logging.getLogger(__name__)
bp = Blueprint("referrals", __name__, url_prefix="/referrals")


@bp.get("/")
def waiting():
    return jsonify(current_app.extensions["day_summary"].get()["queue"])


@bp.post("/<entry_id>/override")
def override(entry_id: str):
    operator = volunteer.operator()
    data = request.get_json(silent=True) or request.form
    rt = current_app.extensions["kiosk"]
    try:
        entry = backend.override(rt, entry_id, str(data.get("decision", "")), str(data.get("reason", "")), operator)
    except Refused as exc:
        log.warning("override of %s refused: %s", entry_id, exc)
        t = catalogue().t
        if exc.reason in ("need_reason", "settled"):
            message = t(f"override.{exc.reason}")
        else:
            message = f"{t('error.generic')}: {exc.detail}"
        return jsonify({"error": exc.reason, "message": message}), 409 if exc.reason == "settled" else 400
    log.info("override: seq %d settles %s as %s by %s", entry["seq"], entry_id, entry["decision"], operator)
    return jsonify(entry)
