"""Console sessions: a copied cookie dies with logout, a lockout and a new password; a
lockout answers the same for names that are no account; the cookie is Secure over
HTTPS, also behind a TLS reverse proxy when one is configured."""

from __future__ import annotations

import pytest

from sync.server.console.auth import create_user
from sync.server.console.config import ConsoleSection
from tests.sync.server.consolekit import ADMIN, VIEWER, csrf_of, login, token


def _copy_cookies(src, dst) -> None:
    """What an attacker who lifted the cookie (a shared PC, a proxy log) holds."""
    cookie = src.get_cookie("session")
    dst.set_cookie("session", cookie.value, domain=cookie.domain, path=cookie.path)


def _logged_in(client) -> bool:
    return client.get("/console/entries").status_code == 200 and client.get("/api/entries").status_code == 200


def _stolen(console_app, console):
    login(console, *VIEWER)
    copy = console_app.test_client()
    _copy_cookies(console, copy)
    assert _logged_in(copy), "the copied cookie should work while its session is open"
    return copy


def test_logout_ends_the_session_on_the_server(console_app, console):
    copy = _stolen(console_app, console)
    console.post("/console/logout", data={"csrf_token": token(console)})
    assert not _logged_in(copy)


def test_a_new_password_ends_the_session(console_app, console):
    copy = _stolen(console_app, console)
    create_user(console_app.extensions["console"].store, VIEWER[0], "a brand new password", "viewer")
    assert not _logged_in(copy)


def test_a_lockout_ends_the_session(console_app, console):
    copy = _stolen(console_app, console)
    attacker = console_app.test_client()
    for n in range(ConsoleSection().lockout_failures):
        login(attacker, VIEWER[0], f"wrong {n}")
    assert not _logged_in(copy)


@pytest.mark.parametrize("name", [VIEWER[0], "nobody-by-this-name"])
def test_a_lockout_answers_the_same_for_any_name(console_app, name):
    client = console_app.test_client()
    answers = [login(client, name, f"wrong {n}").status_code for n in range(ConsoleSection().lockout_failures + 1)]
    assert answers == [401] * (ConsoleSection().lockout_failures - 1) + [423, 423]


def _session_cookie(response) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))


def _https_login(client, **env) -> str:
    page = client.get("/console/login", **env)
    r = client.post("/console/login", data={"name": ADMIN[0], "password": ADMIN[1],
                                            "csrf_token": csrf_of(page.get_data(as_text=True))}, **env)
    return _session_cookie(r)


def test_the_cookie_is_secure_over_https(console_app):
    cookie = _https_login(console_app.test_client(), base_url="https://localhost")
    assert "Secure" in cookie.split("; ")


def test_behind_a_tls_proxy_the_cookie_is_secure(storage, tmp_path):
    from sync.server.api import create_app
    from sync.server.console import init_console

    def app(hops: int):
        a = create_app(storage, secret_key=b"s" * 32, test_config={"TESTING": True})
        con = init_console(a, storage, ConsoleSection(proxy_hops=hops))
        create_user(con.store, *ADMIN, "admin")
        return a

    proxied = {"headers": {"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.9"}}
    assert "Secure" in _https_login(app(1).test_client(), **proxied).split("; ")
    # With no proxy configured, anyone could send those headers: they are ignored.
    assert "Secure" not in _https_login(app(0).test_client(), **proxied).split("; ")
