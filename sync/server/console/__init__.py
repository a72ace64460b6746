"""The administrators' web console: one blueprint per screen, mounted at /console/.

``init_console`` adds it to the server's Flask app (``sync.server.api.create_app``); it
keeps its own tables in the server's storage (``store.py``) and changes what the kiosks
know only through two hooks given to it: ``issue_pass`` (sign a community pass) and
``publish_registry`` (sign and publish the registry the kiosks download).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable
from zoneinfo import ZoneInfo

from flask import Flask, g, redirect, request, session, url_for

from sync.server.console.config import ConsoleSection
from sync.server.console.store import ConsoleStore

# issue_pass(household, role, not_before, expires) -> (pass_id, pass_text)
PassIssuer = Callable[[str, str, int, int], tuple[str, str]]
# publish_registry(content) -> None; content holds revoked passes and quarantines
RegistryPublisher = Callable[[dict[str, Any]], None]


@dataclass
class Console:
    store: ConsoleStore
    settings: ConsoleSection
    issue_pass: PassIssuer | None = None
    publish_registry: RegistryPublisher | None = None
    tz: ZoneInfo = field(init=False)

    def __post_init__(self) -> None:
        self.tz = ZoneInfo(self.settings.timezone)


def init_console(app: Flask, storage, settings: ConsoleSection | None = None, *,
                 issue_pass: PassIssuer | None = None,
                 publish_registry: RegistryPublisher | None = None) -> Console:
    from sync.server.console import alerts, auth, csrf, entries, gates, households, i18n, quarantine

    settings = settings or ConsoleSection()
    con = Console(ConsoleStore(storage), settings, issue_pass, publish_registry)
    app.extensions["console"] = con
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config["SESSION_COOKIE_SECURE"] = settings.secure_cookies
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024  # the largest roster upload

    for module in (auth, entries, alerts, gates, households, quarantine):
        app.register_blueprint(module.bp, url_prefix="/console")

    console_endpoints = {m.bp.name for m in (auth, entries, alerts, gates, households, quarantine)}

    @app.before_request
    def _guard():
        if request.blueprint in console_endpoints:
            csrf.check()
            auth.load_user()

    @app.context_processor
    def _template_globals():
        if request.blueprint not in console_endpoints:
            return {}
        lang = i18n.pick(session.get("lang"), settings.language)
        return {
            "t": lambda key, **kw: i18n.translate(lang, key, **kw),
            "lang": lang,
            "catalogue": i18n.catalogue(lang),
            "csrf_token": csrf.token,
            "user": g.get("user"),
            "refresh_ms": int(settings.refresh_s * 1000),
        }

    @app.template_filter("localdate")
    def _localdate(seconds: float) -> str:
        from datetime import datetime

        return datetime.fromtimestamp(seconds, con.tz).strftime("%Y-%m-%d")

    @app.template_filter("localtime")
    def _localtime(seconds: float) -> str:
        from datetime import datetime

        return datetime.fromtimestamp(seconds, con.tz).strftime("%Y-%m-%d %H:%M:%S")

    @app.get("/console/")
    def console_home():
        return redirect(url_for("entries.index"))

    return con
