"""Cross-site request forgery guard for the public form, with no session: a random nonce
in a cookie (SameSite=Strict) and, in the form, the same nonce with the time, signed
with the server's key. A form older than ``MAX_AGE_S`` is refused too."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

COOKIE = "v_csrf"
MAX_AGE_S = 2 * 3600


def _sign(key: bytes, nonce: str, at: int) -> str:
    return hmac.new(key, f"visitor-form|{nonce}|{at}".encode(), hashlib.sha256).hexdigest()[:32]


def new_token(key: bytes, nonce: str | None = None) -> tuple[str, str]:
    """(nonce for the cookie, token for the form)."""
    nonce = nonce or secrets.token_urlsafe(16)
    at = int(time.time())
    return nonce, f"{at}.{_sign(key, nonce, at)}"


def valid(key: bytes, nonce: str | None, token: str | None, now: float | None = None) -> bool:
    if not nonce or not token or "." not in token:
        return False
    at_text, mac = token.split(".", 1)
    if not at_text.isdigit() or not 0 <= (now or time.time()) - int(at_text) <= MAX_AGE_S:
        return False
    return hmac.compare_digest(mac, _sign(key, nonce, int(at_text)))
