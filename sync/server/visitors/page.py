"""The public visitor page: the form, and the pass it gives. Its own blueprint at /v/,
with no console session and nothing of the console's: what it needs (the registrar,
the form key) is in ``app.extensions["visitor_page"]``. No inline script or style."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Blueprint, Response, current_app, make_response, redirect, render_template, request, url_for

from sync import divisions
from sync.passes import mask_name
from sync.server.visitors import csrf, i18n
from sync.server.visitors.questions import LIMITS, asked_fields, read_form
from sync.server.visitors.registrar import Refused

log = logging.getLogger(__name__)
MAX_FORM_BYTES = 8192       # the form's fields at their limits, in UTF-8, take under 2 KB
bp = Blueprint("visitor_page", __name__, url_prefix="/v", template_folder="templates", static_folder="static",
               static_url_path="/static")


def _page():
    return current_app.extensions["visitor_page"]


def _lang() -> str:
    return i18n.pick(request.values.get("lang"))


def client_ip() -> str:
    hops = _page().settings.trusted_proxies
    if hops:
        chain = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",") if a.strip()]
        if len(chain) >= hops:
            return chain[-hops]
    return request.remote_addr or "unknown"


def _render_form(status: int = 200, errors: dict | None = None, values: dict | None = None, message: str = ""):
    lang, page = _lang(), _page()
    questions = page.registrar.asked()[1]
    nonce = request.cookies.get(csrf.COOKIE)
    nonce, token = csrf.new_token(page.form_key, nonce)
    resp = make_response(render_template(
        "visitors/form.html", t=i18n.translator(lang), lang=lang, errors=errors or {}, values=values or {},
        message=message, token=token, limits=LIMITS, asked=asked_fields(questions), provinces=divisions.as_json(),
        retention_days=page.settings.retention_days), status)
    resp.set_cookie(csrf.COOKIE, nonce, max_age=csrf.MAX_AGE_S, httponly=True, samesite="Strict",
                    secure=request.is_secure)
    return resp


@bp.get("/")
def form():
    window = _page().registrar.invitation(request.args.get("i"))
    if request.args.get("i") and window is None:
        return _render_form(message=i18n.translator(_lang())("error.invitation"))
    if window is None:
        return _render_form()
    building, unit, room = window.household.split("-")
    return _render_form(values={"building": building, "unit": unit, "room": room, "invitation": window.invitation})


@bp.post("/")
def submit():
    t, page = i18n.translator(_lang()), _page()
    if (request.content_length or 0) > MAX_FORM_BYTES:
        log.warning("visitor form refused from %s: %s bytes", client_ip(), request.content_length)
        return Response(t("error.too_big"), 413, mimetype="text/plain")
    if not csrf.valid(page.form_key, request.cookies.get(csrf.COOKIE), request.form.get("csrf_token")):
        log.warning("visitor form refused from %s: no valid form token", client_ip())
        return _render_form(400, message=t("error.csrf"))
    values = {k: request.form.get(k, "")[:LIMITS[k]] for k in LIMITS if k != "id_number"}
    values["invitation"] = request.form.get("invitation", "")[:32]
    try:
        page.registrar.check_rate(client_ip())
        version, questions = page.registrar.asked()
        declaration, errors = read_form(request.form, questions, version)
        if errors:
            log.info("visitor form refused: %s", ", ".join(sorted(errors)))     # field names only
            return _render_form(400, errors, values, t("error.fix_fields"))
        window = page.registrar.invitation(request.form.get("invitation"))
        if request.form.get("invitation") and window is None:
            return _render_form(400, {}, values, t("error.invitation"))
        issued = page.registrar.register(declaration, window)
    except Refused as exc:
        return _render_form(429 if exc.reason == "rate_limited" else 400, {}, values, t(f"error.{exc.reason}"))
    return redirect(url_for("visitor_page.show_pass", pass_id=issued.pass_id, lang=_lang()), 303)


@bp.get("/p/<pass_id>")
def show_pass(pass_id: str):
    import segno

    lang = _lang()
    row = _page().registrar.declarations.get(pass_id) if len(pass_id) == 16 else None
    if row is None:
        return Response(i18n.translator(lang)("error.no_pass"), 404, mimetype="text/plain")
    qr = segno.make_qr(row["pass_text"], error="m", boost_error=False)
    until = datetime.fromtimestamp(row["expires"], _page().registrar.tz).strftime("%Y-%m-%d %H:%M")
    resp = make_response(render_template(
        "visitors/pass.html", t=i18n.translator(lang), lang=lang, pass_id=pass_id, household=row["household"],
        until=until, risk=row["contact"] or row["symptoms"], name=mask_name(row["name"]),
        origin=divisions.describe(row["origin"]), qr_svg=qr.svg_inline(scale=1, border=4, omitsize=True),
        qr_version=qr.version))
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp
