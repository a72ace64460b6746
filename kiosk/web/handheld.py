"""Manual temperature entry: a volunteer's handheld reading when the thermometer is down."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, render_template, request

from kiosk.handheld import HandheldError, parse_celsius
from kiosk.web import volunteer
from kiosk.web.i18n import catalogue

log = logging.getLogger(__name__)
bp = Blueprint("handheld", __name__, url_prefix="/handheld")


@bp.get("/")
def page():
    rt = current_app.extensions["kiosk"]
    return render_template("handheld.html", rt=rt, waiting=rt.checkpoint.handheld.peek())


@bp.post("/")
def record():
    operator = volunteer.operator()
    data = request.get_json(silent=True) or request.form
    try:
        value = parse_celsius(str(data.get("value_c", "")))
    except HandheldError as exc:
        return jsonify({"error": exc.reason, "message": catalogue().t(f"handheld.{exc.reason}")}), 400
    rt = current_app.extensions["kiosk"]
    rt.checkpoint.handheld.put(value, operator)
    log.info("handheld reading %.1f C entered by %s", value, operator)
    return jsonify({"value_c": value, "message": catalogue().t("handheld.saved", value=f"{value:.1f}")})
