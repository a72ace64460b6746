"""Finding 2: the language switch and the login send a browser on only within the
console, whatever `next` says."""

from __future__ import annotations

import pytest

from tests.sync.server.consolekit import ADMIN, csrf_of

HOME = "/console/entries"


@pytest.mark.parametrize("target", [
    "/%09/evil.example", "/\t/evil.example", "//evil", "/\\evil", "\\\\evil", "https://evil", "http:evil",
    "/%0d%0a//evil", "/\n/evil", "/./\\evil", "//", "javascript:alert(1)", "evil.example", "/console//evil",
])
def test_next_never_leaves_the_site(console, target):
    for r in (console.get("/console/lang/en", query_string={"next": target}),
              console.get("/console/lang/en?next=" + target),        # as typed in an address bar
              console.post("/console/login", data={"name": ADMIN[0], "password": ADMIN[1], "next": target,
                                                   "csrf_token": csrf_of(console.get("/console/login")
                                                                         .get_data(as_text=True))})):
        assert r.status_code == 302
        location = r.headers["Location"]
        assert location == HOME, f"{target!r} sent the browser to {location!r}"


@pytest.mark.parametrize("target", ["/console/gates", "/console/entries?gate=gate-1&page=2"])
def test_next_within_the_console_is_kept(console, target):
    r = console.get("/console/lang/en", query_string={"next": target})
    assert r.status_code == 302 and r.headers["Location"] == target
