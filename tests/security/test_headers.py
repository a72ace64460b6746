"""Finding 3: every answer of the console (and the API beside it) and of the touchscreen
carries the security headers, and no page holds script that a strict
Content-Security-Policy would block."""

from __future__ import annotations

import re

import pytest

from tests.sync.server.consolekit import ADMIN, login

REQUIRED = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
# Values for the URL parts of every route, so each GET route of both apps is asked.
ARGS = {"filename": "console.css", "lang": "en", "site": "demo-site", "gate": "gate-1", "seq": 1, "fmt": "csv",
        "hid": "3-2-501", "pass_id": "00112233aabbccdd", "entry_id": "x", "name": "alice", "rid": "x", "qid": "x"}
STREAMS = ("/events", "/preview.mjpg")


def _check_headers(r, url: str) -> None:
    csp = r.headers.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives.get("default-src") == ["'self'"], f"{url}: CSP {csp!r}"
    assert directives.get("frame-ancestors") == ["'none'"], f"{url}: CSP {csp!r}"
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, f"{url}: CSP {csp!r}"
    for name, value in REQUIRED.items():
        assert r.headers.get(name) == value, f"{url}: {name} is {r.headers.get(name)!r}"


def _check_no_inline_script(html: str, url: str) -> None:
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, f"{url}: inline script {tag}"
    handlers = re.findall(r"<[^>]+\son[a-z]+\s*=", html)
    assert not handlers, f"{url}: inline event handler in {handlers[:3]}"
    assert "javascript:" not in html, f"{url}: a javascript: link"


def _every_get(app, client, static: str) -> list[str]:
    asked = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        args = {a: (static if a == "filename" and rule.endpoint.startswith("static") else ARGS[a])
                for a in rule.arguments}
        url = rule.rule
        for a, v in args.items():
            url = re.sub(rf"<(?:[a-z]+:)?{a}>", str(v), url)
        r = client.get(url, buffered=url not in STREAMS)
        try:
            _check_headers(r, url)
            if r.mimetype == "text/html" and url not in STREAMS:
                _check_no_inline_script(r.get_data(as_text=True), url)
        finally:
            r.close()
        asked.append(url)
    return asked


def test_every_console_and_api_answer_has_the_headers(console_app, console):
    con = console_app.extensions["console"]
    con.store.import_residents([{"building": "3", "unit": "2", "room": "501", "name": "张伟", "phone": ""}])
    _check_headers(console.get("/console/login"), "/console/login (logged out)")
    login(console, *ADMIN)
    asked = _every_get(console_app, console, "console.css")
    assert {"/console/entries", "/console/households/3-2-501", "/console/passes/print", "/api/entries"} <= set(asked)
    sheet = console.get("/console/passes/print?building=3")
    _check_headers(sheet, "print sheet")
    _check_no_inline_script(sheet.get_data(as_text=True), "print sheet")


def test_every_touchscreen_answer_has_the_headers(kiosk_app, kiosk):
    asked = _every_get(kiosk_app, kiosk, "kiosk.css")
    assert {"/", "/visitors/new", "/handheld/", "/events"} <= set(asked)


@pytest.mark.parametrize("path", ["/console/entries", "/console/nowhere"])
def test_an_error_page_has_them_too(console, path):
    _check_headers(console.get(path), path)
