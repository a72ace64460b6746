"""Volunteer sign-in: the PIN (stored only as a hash) unlocks volunteer actions on this
browser for ``[ui] unlock_s``, extended by each action. The screen itself needs none.

Every volunteer action calls ``operator()``; a request that carries a ``pin`` field is
signed in on the way, so a form can ask for the PIN and act in one step.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Blueprint, abort, current_app, jsonify, make_response, request, session
from werkzeug.security import check_password_hash

from kiosk.web.i18n import catalogue
from sync.idnumber import mask_in_text

log = logging.getLogger(__name__)
bp = Blueprint("volunteer", __name__, url_prefix="/volunteer")

MAX_FAILURES = 5
LOCKOUT_S = 60.0
DEFAULT_OPERATOR = "volunteer"


class PinGuard:
    """Counts wrong PINs for the whole kiosk: a short PIN must not be guessable."""

    def __init__(self, pin_hash: str | None) -> None:
        self.pin_hash = pin_hash
        self._failures = 0
        self._locked_until = 0.0
        self._lock = threading.Lock()

    def check(self, pin: str) -> tuple[bool, str | None, int]:
        """(ok, error key, seconds to wait). One check at a time: a wrong PIN is counted
        before the next one is tried, so parallel guesses get no more than MAX_FAILURES."""
        if not self.pin_hash:
            return False, "pin.not_set", 0
        with self._lock:
            wait = self._locked_until - time.monotonic()
            if wait > 0:
                return False, "pin.locked_out", int(wait) + 1
            if check_password_hash(self.pin_hash, pin):
                self._failures = 0
                return True, None, 0
            self._failures += 1
            if self._failures >= MAX_FAILURES:
                self._failures = 0
                self._locked_until = time.monotonic() + LOCKOUT_S
                log.warning("volunteer PIN: %d wrong attempts; refusing PINs for %.0f s", MAX_FAILURES, LOCKOUT_S)
                return False, "pin.locked_out", int(LOCKOUT_S)
        log.warning("volunteer PIN: wrong attempt from %s", request.remote_addr)
        return False, "pin.wrong", 0


def _unlock_s() -> float:
    return current_app.extensions["kiosk"].cfg.ui.unlock_s


def unlocked_operator() -> str | None:
    until = session.get("volunteer_until", 0)
    if until < time.time():
        return None
    return session.get("volunteer_name") or DEFAULT_OPERATOR


def _sign_in(pin: str, name: str | None):
    guard: PinGuard = current_app.extensions["pin_guard"]
    ok, error, wait = guard.check(pin)
    if not ok:
        return error, wait
    session["volunteer_until"] = time.time() + _unlock_s()
    # The name goes into the journal with each action: never an ID number in clear.
    session["volunteer_name"] = mask_in_text((name or "").strip())[0][:40] or DEFAULT_OPERATOR
    return None, 0


def _refusal(error: str, wait: int = 0):
    body = {"error": "pin_required" if error == "pin.required" else error.replace(".", "_"),
            "message": catalogue().t(error, s=wait)}
    return make_response(jsonify(body), 429 if error == "pin.locked_out" else 401)


def operator() -> str:
    """The signed-in volunteer's name for the journal; aborts with 401 when locked."""
    data = request.get_json(silent=True) or request.form
    pin = data.get("pin")
    if pin:
        error, wait = _sign_in(str(pin), data.get("operator"))
        if error:
            abort(_refusal(error, wait))
    who = unlocked_operator()
    if who is None:
        abort(_refusal("pin.required"))
    session["volunteer_until"] = time.time() + _unlock_s()
    return who


@bp.post("/unlock")
def unlock():
    data = request.get_json(silent=True) or request.form
    error, wait = _sign_in(str(data.get("pin", "")), data.get("operator"))
    if error:
        return _refusal(error, wait)
    return jsonify({"operator": unlocked_operator(), "until": session["volunteer_until"]})


@bp.post("/lock")
def lock():
    session.pop("volunteer_until", None)
    session.pop("volunteer_name", None)
    return jsonify({"operator": None})


@bp.get("/state")
def state():
    return jsonify({"operator": unlocked_operator(), "until": session.get("volunteer_until")})
