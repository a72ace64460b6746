"""Visitor registration and the visitor's day pass, shown as a QR code on the screen."""

from __future__ import annotations

import logging
import re
import time
from datetime import datetime, timezone

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for

from kiosk.credentials import mask_name
from kiosk.web import backend, volunteer
from kiosk.web.backend import Refused
from kiosk.web.i18n import catalogue
from sync import divisions
from sync.idnumber import find_in_text

log = logging.getLogger(__name__)
bp = Blueprint("visitors", __name__, url_prefix="/visitors")

TEXT_FIELDS = ("name", "phone", "id_number", "going_to", "coming_from", "heading_to")
YES_NO_FIELDS = ("contact", "symptoms")
# Always asked, never required: free text comes only from a keyboard, and a gate has none.
UNREQUIRED = ("name",)
_PHONE = re.compile(r"^1\d{10}$")
_HOUSEHOLD = re.compile(r"^[0-9A-Za-z]{1,8}-[0-9A-Za-z]{1,8}-[0-9A-Za-z]{1,8}$")


def _form_errors(data: dict, t, asked: tuple[str, ...]) -> dict[str, str]:
    """What the volunteer must fix before anything is recorded, per field asked."""
    errors = {f: t("error.required") for f in TEXT_FIELDS
              if f in asked and f not in UNREQUIRED and not str(data.get(f, "")).strip()}
    phone = re.sub(r"[\s-]", "", str(data.get("phone", "")))
    if "phone" not in errors and not _PHONE.match(phone):
        errors["phone"] = t("error.phone")
    if "going_to" not in errors and not _HOUSEHOLD.match(str(data["going_to"]).strip()):
        errors["going_to"] = t("error.household")
    if "id_number" in asked and "id_number" not in errors:
        try:
            backend.check_id_number(str(data["id_number"]))
        except Refused as exc:
            errors["id_number"] = t(f"error.{exc.reason}")
    for f in YES_NO_FIELDS:
        if f in asked and data.get(f) not in ("yes", "no", True, False):
            errors[f] = t("error.required")
    for f in ("name", "going_to", "coming_from", "heading_to"):
        if f not in errors and find_in_text(str(data.get(f, ""))):
            errors[f] = t("error.id_in_text")    # it would be kept and sent in clear
    return errors


def households(registry) -> list[str]:
    """Every building-unit-room the kiosk's registry names, for the household pickers."""
    found = {k.household for k in registry.known_codes.values() if k.household}
    found |= {q.household for q in registry.quarantine if q.household}
    return sorted(h for h in found if _HOUSEHOLD.match(h))


@bp.get("/new")
def new():
    rt = current_app.extensions["kiosk"]
    # The questions follow the screening mode the gate runs (the site's declaration).
    pickers = {"households": households(rt.gatekeeper.registry.current), "divisions": divisions.as_json()}
    return render_template("visitor_new.html", rt=rt, pickers=pickers,
                           questions=rt.gatekeeper.declaration().questions)


@bp.post("/check-id")
def check_id():
    text = str((request.get_json(silent=True) or {}).get("id_number", ""))
    try:
        return jsonify({"masked": backend.check_id_number(text)})
    except Refused as exc:
        return jsonify({"error": exc.reason, "message": catalogue().t(f"error.{exc.reason}")}), 400


@bp.post("/")
def register():
    operator = volunteer.operator()
    data = request.get_json(silent=True) or request.form.to_dict()
    t = catalogue().t
    rt = current_app.extensions["kiosk"]
    asked = rt.gatekeeper.declaration().questions
    errors = _form_errors(data, t, asked)
    if errors:
        # Field names only: the values are a person's details.
        log.info("visitor form refused: %s", ", ".join(sorted(errors)))
        return jsonify({"error": "invalid", "fields": errors, "message": ""}), 400
    answers = {f: str(data.get(f, "")).strip() for f in TEXT_FIELDS if f in asked}
    answers["phone"] = re.sub(r"[\s-]", "", answers["phone"])
    answers.update({f: data[f] in ("yes", True) for f in YES_NO_FIELDS if f in asked})
    try:
        issued = backend.register_visitor(rt, answers, operator)
    except Refused as exc:
        log.warning("visitor registration refused: %s", exc)
        return jsonify({"error": exc.reason, "message": f"{t('error.generic')}: {exc.detail}"}), 400
    current_app.extensions["issued_passes"].add(issued)
    log.info("visitor registered by %s: pass %s", operator, issued["pass_id"])
    return jsonify({"pass_id": issued["pass_id"],
                    "pass_url": url_for("visitors.show_pass", pass_id=issued["pass_id"])})


@bp.get("/<pass_id>/pass")
def show_pass(pass_id: str):
    import segno

    if volunteer.unlocked_operator() is None:
        abort(401)
    rt = current_app.extensions["kiosk"]
    issued = current_app.extensions["issued_passes"].get(pass_id, time.time())
    if issued is None:
        abort(404)
    qr = segno.make(issued["text"], error="m")
    svg = qr.svg_inline(scale=1, border=4, dark="#000", light="#fff", omitsize=True)
    until = rt.gatekeeper.registry.current.rules.local(
        datetime.fromtimestamp(issued["valid_until"], timezone.utc)).strftime("%H:%M")
    return render_template("visitor_pass.html", rt=rt, qr_svg=svg, who=mask_name(issued["name"]) or "",
                           household=issued["household"], until=until, risk=issued["declares_risk"])
