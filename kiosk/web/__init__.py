"""The volunteers' touchscreen: a Flask app built by ``create_app(runtime)``, one
blueprint per screen, every asset served from here (the gate may have no internet)."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, jsonify, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from kiosk.web import i18n
from kiosk.web.backend import IssuedPasses
from kiosk.web.preview import Watchers
from kiosk.web.summary import DaySummary
from kiosk.web.volunteer import PinGuard
from sync import vocabulary
from sync.privatefile import write_private
from sync.webheaders import add_security_headers

log = logging.getLogger(__name__)
SESSION_KEY_FILE = "ui-session.key"


def session_key(state_dir: Path) -> bytes:
    """The key that signs the screen's cookies, kept so a restart keeps its sessions."""
    path = Path(state_dir) / SESSION_KEY_FILE
    try:
        key = path.read_bytes()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    key = secrets.token_bytes(32)
    try:
        write_private(path, key, durable=True)
    except OSError as exc:
        # A full or read-only disk must not keep the screen from starting: the key then
        # lives for this run only, and volunteers log in again after a restart.
        log.warning("screen session key not saved (%s): logins last until the kiosk restarts",
                    exc.strerror or exc)
    return key


def site_zone(runtime, lang: str) -> dict:
    """The site's time zone (the registry's rules), as the page's times are shown in it:
    the same words the console uses (北京时间 UTC+8), whatever zone the browser is set to."""
    tz = ZoneInfo(runtime.gatekeeper.registry.current.rules.timezone)
    return {"tz": str(tz), "label": vocabulary.zone_label(tz, lang), "offset": vocabulary.utc_offset(tz)}


def create_app(runtime, test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.json.ensure_ascii = False
    app.config.update(
        SECRET_KEY=session_key(runtime.cfg.kiosk.state_dir),
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_HTTPONLY=True,
        # The screen stays open for days: its token lives as long as its session.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=False,
    )
    if test_config:
        app.config.update(test_config)
    CSRFProtect(app)
    add_security_headers(app)
    app.extensions.update({
        "kiosk": runtime,
        "catalogues": i18n.load_all(),
        "pin_guard": PinGuard(runtime.cfg.ui.pin_hash),
        "preview_watchers": Watchers(),
        "day_summary": DaySummary(runtime),
        "issued_passes": IssuedPasses(),
    })

    @app.context_processor
    def _words():
        cat = i18n.catalogue()
        return {"t": cat.t, "lang": cat.lang, "words": cat.words, "zone": site_zone(runtime, cat.lang)}

    @app.errorhandler(CSRFError)
    def _csrf_failed(exc):
        log.warning("refused %s %s: %s", request.method, request.path, exc.description)
        return jsonify({"error": "csrf", "message": i18n.catalogue().t("error.csrf")}), 400

    from kiosk.web import audio, handheld, referrals, screen, visitors, volunteer

    for bp in (screen.bp, referrals.bp, visitors.bp, handheld.bp, volunteer.bp, audio.bp):
        app.register_blueprint(bp)
    return app
