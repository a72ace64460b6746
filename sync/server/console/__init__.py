"""The administrators' web console: one blueprint per screen, mounted at /console/.

``init_console`` adds it to the server's Flask app (``sync.server.api.create_app``). It
keeps its own tables in the server's storage (``store.py``), signs passes with the
pass key (``sync.server.passes``) and changes what the kiosks know only through the
registry publisher it is given (``RegistryPublisher.publish``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Callable
from zoneinfo import ZoneInfo

from flask import Flask, g, redirect, request, url_for
from flask.sessions import SecureCookieSessionInterface

from sync import vocabulary
from sync.server.console.config import ConsoleSection
from sync.server.console.store import ConsoleStore

# publish(site, registry, *, actor) -> envelope: signs, versions, keeps and sends it
Publish = Callable[..., Any]


@dataclass
class Console:
    store: ConsoleStore
    settings: ConsoleSection
    pass_key: Any = None            # sync.server.passes.SigningKey, or None: passes cannot be issued
    publish: Publish | None = None  # None: the registry cannot be published (no broker)
    broker_link: Any = None         # the collector's sync.link.Link: is this server on its broker?
    notifier: Any = None            # sync.server.notify.Notifier: how pushing alerts to the chat goes
    tz: ZoneInfo = field(init=False)

    def __post_init__(self) -> None:
        self.tz = ZoneInfo(self.settings.timezone)

    @property
    def site(self) -> str:
        return self.settings.site

    def export_view(self, lang: str):
        from sync.server.export import ExportView

        return ExportView(self.tz, lang)

    def today(self) -> date:
        """The site's calendar day, which quarantine dates are typed in and kiosks check
        them against; the server's own clock may keep another zone."""
        return datetime.now(self.tz).date()


class _TlsAwareSessions(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS (directly, or
    through a trusted proxy), so it is never sent back over plain HTTP."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def init_console(app: Flask, storage, settings: ConsoleSection | None = None, *,
                 pass_key=None, publish: Publish | None = None, broker_link=None, notifier=None) -> Console:
    from sync.server.console import (alerts, auth, cards, csrf, entries, gates, households, i18n, quarantine,
                                     report, screening, visitors, workers)

    settings = settings or ConsoleSection()
    con = Console(ConsoleStore(storage), settings, pass_key, publish, broker_link, notifier)
    app.extensions["console"] = con
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=settings.secure_cookies,
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
                      MAX_CONTENT_LENGTH=16 * 1024 * 1024)  # the largest roster upload

    screens = (auth, entries, alerts, gates, households, quarantine, screening, report, cards, workers, visitors)
    for module in screens:
        app.register_blueprint(module.bp, url_prefix="/console")
    console_blueprints = {m.bp.name for m in screens}
    app.session_interface = _TlsAwareSessions()
    if settings.proxy_hops:
        # Only the proxies' own headers count: with no proxy a client could claim HTTPS.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    @app.before_request
    def _guard():
        if request.blueprint in console_blueprints:
            csrf.check()
            auth.load_user()

    @app.context_processor
    def _template_globals():
        if request.blueprint not in console_blueprints:
            return {}
        lang = i18n.current_language()
        return {
            "t": lambda key, **kw: i18n.translate(lang, key, **kw),
            "lang": lang,
            "zone": vocabulary.zone_label(con.tz, lang),
            "catalogue": i18n.catalogue(lang),
            "csrf_token": csrf.token,
            "user": g.get("user"),
            "refresh_ms": int(settings.refresh_s * 1000),
        }

    @app.template_filter("localdate")
    def _localdate(seconds: float) -> str:
        return datetime.fromtimestamp(seconds, con.tz).strftime("%Y-%m-%d")

    @app.template_filter("localtime")
    def _localtime(seconds: float) -> str:
        return datetime.fromtimestamp(seconds, con.tz).strftime("%Y-%m-%d %H:%M:%S")

    def _home():
        return redirect(url_for("entries.index"))

    app.add_url_rule("/console/", "console_home", _home)
    # The server's front page is the console once it is mounted.
    if "index" in app.view_functions:
        app.view_functions["index"] = _home
    return con
