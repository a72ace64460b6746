"""The volunteer PIN: parallel guesses get no more checks than the lockout allows, and
`kiosk set-pin` refuses PINs shorter than 6 digits (the demo's PIN is a valid one)."""

from __future__ import annotations

import http.cookiejar
import json
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request

from werkzeug.security import generate_password_hash

from kiosk import demo
from kiosk.web import volunteer
from tests.places import REPO
from tests.kiosk.web.kiosk_process import PIN

GUESSES = 40


def _browser(base: str):
    """A browser of its own: cookies, and the CSRF token of its session."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(base + "/", timeout=30) as r:
        token = re.search(r'name="csrf-token" content="([^"]+)"', r.read().decode()).group(1)
    return opener, token


def _guess(opener, token: str, base: str, pin: str) -> tuple[int, str]:
    req = urllib.request.Request(base + "/volunteer/unlock", data=json.dumps({"pin": pin}).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "X-CSRFToken": token})
    try:
        with opener.open(req, timeout=60) as r:
            return r.status, json.loads(r.read())["operator"]
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())["error"]


def test_parallel_guesses_get_no_more_checks_than_the_lockout_allows(kiosk_app, kiosk_http):
    # The real PIN's hash (scrypt): each check takes long enough for guesses to overlap.
    kiosk_app.extensions["pin_guard"].pin_hash = generate_password_hash(PIN)
    browsers = [_browser(kiosk_http) for _ in range(GUESSES)]
    start = threading.Barrier(GUESSES)
    answers: list[tuple[int, str]] = []

    def guess(n: int) -> None:
        opener, token = browsers[n]
        start.wait(timeout=60)
        answers.append(_guess(opener, token, kiosk_http, f"{n:06d}"))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(GUESSES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(answers) == GUESSES
    wrong = [a for a in answers if a == (401, "pin_wrong")]
    locked = [a for a in answers if a == (429, "pin_locked_out")]
    assert len(wrong) == volunteer.MAX_FAILURES - 1 and len(locked) == GUESSES - len(wrong), answers
    # Even the right PIN now waits out the lockout.
    assert _guess(*_browser(kiosk_http), kiosk_http, PIN) == (429, "pin_locked_out")


def _set_pin(text: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kiosk.cli", "set-pin"], input=text, capture_output=True,
                          text=True, cwd=REPO, timeout=60)


def test_set_pin_refuses_fewer_than_6_digits_and_takes_the_demo_pin():
    for short in ("1234", "12345"):
        out = _set_pin(short + "\n")
        assert out.returncode == 1 and "6 to 12 digits" in out.stderr and out.stdout == ""
    assert len(demo.DEMO_PIN) >= 6
    out = _set_pin(demo.DEMO_PIN + "\n")
    assert out.returncode == 0 and 'pin_hash = "' in out.stdout
