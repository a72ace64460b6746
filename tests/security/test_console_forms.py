"""The console's forms answer bad input in words, never with a server error."""

from __future__ import annotations

from tests.sync.server.consolekit import ADMIN, login, token


def test_the_empty_add_resident_form_is_a_form_error(console_app, console):
    login(console, *ADMIN)
    t = token(console, "/console/households")
    r = console.post("/console/residents", data={"csrf_token": t, "building": "", "unit": "", "room": "",
                                                  "name": "", "phone": ""})
    assert r.status_code == 400
    assert "fill in the building, unit, room and name" in r.get_data(as_text=True)
    assert console_app.extensions["console"].store.residents() == []
