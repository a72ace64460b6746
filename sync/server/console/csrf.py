"""Cross-site request forgery guard: one random token per session.

Forms carry it in a hidden ``csrf_token`` field, scripts in the ``X-CSRF-Token`` header;
every request that can change something (anything but GET, HEAD, OPTIONS) must present
it, or it is refused with 400 before the view runs.
"""

from __future__ import annotations

import hmac
import secrets

from flask import abort, request, session

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check() -> None:
    if request.method in SAFE_METHODS:
        return
    expected = session.get("csrf")
    given = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
        abort(400, description="csrf")
