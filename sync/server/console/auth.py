"""Staff accounts: login and logout, roles, lockout after repeated failures.

Passwords are stored as salted scrypt hashes (werkzeug.security). Two roles: ``admin``
may change things; ``viewer`` may look and export. After ``lockout_failures`` wrong
passwords in a row an account refuses every login, right or wrong, for
``lockout_minutes``. Every login, failure and lockout goes to the audit log.
"""

from __future__ import annotations

import functools
import re
import time
from urllib.parse import unquote, urlsplit

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash, generate_password_hash

from sync.idnumber import mask_in_text
from sync.server.console import csrf

bp = Blueprint("auth", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static")

ROLES = ("admin", "viewer")
MIN_PASSWORD = 8
_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
# Checked against when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password")


class UserError(ValueError):
    pass


def create_user(store, name: str, password: str, role: str) -> None:
    """Add an account, or reset its password and role; unlocks it."""
    if not _NAME.match(name):
        raise UserError("user name: 1-64 letters, digits, '_', '.', '@' or '-'")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"password must be at least {MIN_PASSWORD} characters")
    store.put_user(name, generate_password_hash(password), role)


def _console():
    return current_app.extensions["console"]


def load_user() -> None:
    """Before each request: who is logged in (re-read, so a changed role applies at once).
    The cookie names a server-side session; one ended by logout, lockout or a new
    password logs nobody in, even if the cookie was copied."""
    g.user = None
    name = session.get("user")
    if name:
        store = _console().store
        user = store.user(name) if store.session_user(session.get("sid")) == name else None
        if user is None:
            session.clear()
        else:
            g.user = user


def login_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if g.get("user") is None:
            if request.method == "GET" and not request.path.endswith((".json", "/data")):
                return redirect(url_for("auth.login", next=request.full_path))
            abort(401)
        return view(*args, **kwargs)

    return wrapper


def admin_required(view):
    @functools.wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if g.user["role"] != "admin":
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def actor() -> str:
    return g.user["name"] if g.get("user") else "-"


def _safe_next(target: str | None) -> str:
    """Only a path on this server: never an open redirect to another site. Browsers drop
    tabs and newlines from a URL and read a backslash as a slash, so "/<tab>/evil" and
    "/<backslash>evil" would both leave the site: refuse any such character, and "//",
    also once percent-decoded."""
    if target and all(_same_site_path(t) for t in (target, unquote(target))):
        return target
    return url_for("entries.index")


def _same_site_path(target: str) -> bool:
    return (target.startswith("/") and "//" not in target and "\\" not in target
            and not any(ord(c) < 0x20 or ord(c) == 0x7f for c in target) and not urlsplit(target).netloc)


@bp.get("/login")
def login():
    return render_template("console/login.html", error=None, name="", next=request.args.get("next", ""))


@bp.post("/login")
def login_post():
    con = _console()
    store, settings = con.store, con.settings
    name = request.form.get("name", "").strip()
    password = request.form.get("password", "")
    ip = request.remote_addr
    user = store.user(name) if _NAME.match(name) else None
    now = time.time()

    def refuse(key: str, status: int = 401, **values):
        return render_template("console/login.html", error=(key, values), name=name,
                               next=request.form.get("next", "")), status

    # A name that is no account is counted and locked out like one, so neither the
    # answer nor its timing tells which names exist; an ID number typed as a name is
    # counted and audited masked.
    counted = mask_in_text(name)[0] if _NAME.match(name) else "-"
    locked_until = store.locked_until(counted)
    if locked_until > now:
        store.audit(counted, "login_refused_locked", {}, ip)
        return refuse("login.locked", 423, minutes=max(1, round((locked_until - now) / 60)))
    if not check_password_hash(user["pw_hash"] if user else _DUMMY_HASH, password) or user is None:
        failures, locked_until = store.record_failure(counted, settings.lockout_failures,
                                                      settings.lockout_minutes * 60)
        store.audit(counted, "login_failed", {"failures": failures} if user else {"unknown_user": True}, ip)
        if locked_until:
            store.audit(counted, "account_locked", {"minutes": settings.lockout_minutes}, ip)
            current_app.logger.warning("console login %s locked after %d failed logins from %s",
                                       counted, settings.lockout_failures, ip)
            return refuse("login.locked", 423, minutes=round(settings.lockout_minutes))
        return refuse("login.wrong")
    store.clear_failures(name)
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session.permanent = True
    session["user"] = name
    session["sid"] = store.open_session(name)
    csrf.token()
    store.audit(name, "login", {"role": user["role"]}, ip)
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout():
    if g.get("user"):
        _console().store.audit(g.user["name"], "logout", {}, request.remote_addr)
    _console().store.close_session(session.get("sid"))
    session.clear()
    return redirect(url_for("auth.login"))


@bp.get("/lang/<lang>")
def set_language(lang: str):
    from sync.server.console.i18n import LANGUAGES

    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(_safe_next(request.args.get("next")))


@bp.get("/users")
@admin_required
def users():
    con = _console()
    return render_template("console/users.html", users=con.store.users(), now=time.time(),
                           audit=con.store.audit_log(limit=200))


@bp.post("/users/<name>/unlock")
@admin_required
def unlock(name: str):
    con = _console()
    con.store.clear_failures(name)
    con.store.audit(actor(), "account_unlocked", {"user": name}, request.remote_addr)
    return redirect(url_for("auth.users"))
