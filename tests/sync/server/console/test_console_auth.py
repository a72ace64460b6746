"""Console login: hashed passwords, sessions, CSRF, lockout, roles, audit log."""

from __future__ import annotations

import pytest

from sync.server.console.auth import UserError, create_user
from tests.sync.server.consolekit import ADMIN, VIEWER, csrf_of, login, token


def test_pages_need_a_login(client):
    r = client.get("/console/entries")
    assert r.status_code == 302 and "/console/login" in r.headers["Location"]
    assert client.get("/console/entries/data").status_code == 401


def test_login_and_logout(client, console_app):
    r = login(client, *ADMIN)
    assert r.status_code == 302
    page = client.get("/console/entries")
    assert page.status_code == 200 and ADMIN[0] in page.get_data(as_text=True)
    client.post("/console/logout", data={"csrf_token": token(client)})
    assert client.get("/console/entries").status_code == 302
    actions = [a["action"] for a in console_app.extensions["console"].store.audit_log()]
    assert actions[:2] == ["logout", "login"]


def test_passwords_are_stored_hashed(console_app):
    user = console_app.extensions["console"].store.user(ADMIN[0])
    assert ADMIN[1] not in user["pw_hash"] and user["pw_hash"].startswith("scrypt:")


def test_wrong_password_is_refused_and_logged(client, console_app):
    r = login(client, ADMIN[0], "wrong password")
    assert r.status_code == 401
    assert "用户名或密码错误" in r.get_data(as_text=True)
    assert client.get("/console/entries").status_code == 302
    log = console_app.extensions["console"].store.audit_log()
    assert log[0]["action"] == "login_failed" and log[0]["actor"] == ADMIN[0]


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client, console_app):
    for _ in range(4):
        assert login(client, ADMIN[0], "nope nope").status_code == 401
    fifth = login(client, ADMIN[0], "nope nope")
    assert fifth.status_code == 423 and "锁定" in fifth.get_data(as_text=True)
    right = login(client, *ADMIN)
    assert right.status_code == 423
    assert client.get("/console/entries").status_code == 302
    actions = [a["action"] for a in console_app.extensions["console"].store.audit_log()]
    assert "account_locked" in actions and actions[0] == "login_refused_locked"


def test_an_admin_unlocks_a_locked_account(client, console_app):
    for _ in range(5):
        login(client, VIEWER[0], "nope nope")
    assert login(client, *VIEWER).status_code == 423
    login(client, *ADMIN)
    client.post(f"/console/users/{VIEWER[0]}/unlock", data={"csrf_token": token(client, "/console/users")})
    client.post("/console/logout", data={"csrf_token": token(client)})
    assert login(client, *VIEWER).status_code == 302


def test_a_success_resets_the_failure_count(client):
    for _ in range(4):
        login(client, ADMIN[0], "nope nope")
    assert login(client, *ADMIN).status_code == 302
    client.post("/console/logout", data={"csrf_token": token(client)})
    for _ in range(4):
        assert login(client, ADMIN[0], "nope nope").status_code == 401


def test_unknown_user_gets_the_same_answer(client):
    r = login(client, "mallory", "whatever1")
    assert r.status_code == 401 and "用户名或密码错误" in r.get_data(as_text=True)


def test_a_post_without_the_csrf_token_is_refused(client):
    login(client, *ADMIN)
    r = client.post("/console/quarantine", data={"household": "1-1-101", "from": "2026-11-25", "to": "2026-12-01"})
    assert r.status_code == 400
    r = client.post("/console/login", data={"name": ADMIN[0], "password": ADMIN[1], "csrf_token": "forged"})
    assert r.status_code == 400


def test_a_viewer_cannot_change_anything(client, published):
    login(client, *VIEWER)
    t = token(client)
    for path, data in [("/console/quarantine", {"household": "1-1-101", "from": "2026-11-25", "to": "2026-12-01"}),
                       ("/console/passes/0011223344556677/revoke", {}),
                       ("/console/residents/x/pass", {}),
                       ("/console/residents", {"building": "1", "unit": "1", "room": "101", "name": "x"}),
                       ("/console/alerts/s/g/1/ack", {}),
                       (f"/console/users/{ADMIN[0]}/unlock", {})]:
        assert client.post(path, data={**data, "csrf_token": t}).status_code == 403, path
    assert client.get("/console/users").status_code == 403
    assert published == []


def test_the_next_parameter_never_leaves_the_site(client):
    page = client.get("/console/login")
    r = client.post("/console/login", data={"name": ADMIN[0], "password": ADMIN[1], "next": "//evil.example/",
                                            "csrf_token": csrf_of(page.get_data(as_text=True))})
    assert r.headers["Location"].endswith("/console/entries")


def test_language_switch(client):
    login(client, *ADMIN)
    assert "通行记录" in client.get("/console/entries").get_data(as_text=True)
    client.get("/console/lang/en")
    assert "Entries" in client.get("/console/entries").get_data(as_text=True)


@pytest.mark.parametrize("name, password, role, message", [
    ("bad name!", "long enough", "admin", "user name"),
    ("bob", "short", "admin", "at least 8"),
    ("bob", "long enough", "root", "role"),
])
def test_create_user_rejects_bad_input(console_app, name, password, role, message):
    with pytest.raises(UserError, match=message):
        create_user(console_app.extensions["console"].store, name, password, role)


def test_add_user_command(tmp_path, monkeypatch, capsys):
    from werkzeug.security import check_password_hash

    from sync.server import config
    from sync.server.cli import main
    from sync.server.console.store import ConsoleStore
    from sync.server.storage import open_storage

    cfg_path = tmp_path / "server.toml"
    cfg_path.write_text('[server]\nstate_dir = "state"\n')
    (tmp_path / "pw").write_text("first password\n")
    assert main(["add-user", "alice", "--role", "admin", "--config", str(cfg_path),
                 "--password-file", str(tmp_path / "pw")]) == 0
    monkeypatch.setenv("COMMUNITY_SERVER_PASSWORD", "second password")
    assert main(["add-user", "alice", "--role", "viewer", "--config", str(cfg_path)]) == 0
    monkeypatch.setenv("COMMUNITY_SERVER_PASSWORD", "short")
    assert main(["add-user", "bob", "--role", "viewer", "--config", str(cfg_path)]) == 2
    assert "at least 8" in capsys.readouterr().err
    storage = open_storage(config.load(cfg_path))
    try:
        store = ConsoleStore(storage)
        alice = store.user("alice")
        assert alice["role"] == "viewer" and check_password_hash(alice["pw_hash"], "second password")
        assert store.user("bob") is None
        assert [a["action"] for a in store.audit_log()] == ["user_reset", "user_add"]
    finally:
        storage.close()


def test_through_the_api_a_viewer_changes_nothing_and_what_is_done_is_audited(client, console_app, published):
    from types import SimpleNamespace

    console_app.config["REGISTRY_PUBLISHER"] = SimpleNamespace(
        publish=lambda site, registry, actor: {**published(site, registry, actor=actor), "issued_at": "now"})
    store = console_app.extensions["console"].store
    login(client, *VIEWER)
    r = client.put("/api/registry/demo-site", json={"registry": {"revoked": []}})
    assert r.status_code == 403 and published == []
    assert client.get("/api/entries?format=csv").status_code == 200
    client.post("/console/logout", data={"csrf_token": token(client)})
    login(client, *ADMIN)
    r = client.put("/api/registry/demo-site", json={"registry": {"revoked": []}, "force": True})
    assert r.status_code == 200 and len(published) == 1
    log = [(a["actor"], a["action"], a["detail"].get("via") or a["detail"].get("version"))
           for a in store.audit_log() if a["action"] in ("export", "registry_put")]
    assert log == [(ADMIN[0], "registry_put", 1), (VIEWER[0], "export", "api")]
