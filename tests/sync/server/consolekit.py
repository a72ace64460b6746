"""What the console tests share besides their fixtures (in conftest.py): staff accounts,
entries written by a real kiosk journal (so hashes and chains are genuine), logging in."""

from __future__ import annotations

import re
from pathlib import Path

from kiosk.journal import Journal

ADMIN = ("alice", "correct horse 1")
VIEWER = ("victor", "battery staple 2")
SITE = "demo-site"


class Published(list):
    """The registry publisher's seam (``RegistryPublisher.publish``): keeps each version
    in storage as the real one does and records it, but sends nothing; the real one
    over Mosquitto is in the browser tests."""

    def __init__(self, storage) -> None:
        super().__init__()
        self.storage = storage

    def __call__(self, site: str, registry: dict, *, actor: str) -> dict:
        self.append(registry)
        return self.storage.save_registry(site, lambda v: {"site": site, "version": v, "registry": registry}, actor)


def journal_entries(tmp: Path, gate: str, items: list[dict], site: str = "demo-site") -> list[dict]:
    j = Journal(tmp / f"{gate}.sqlite3", site=site, gate=gate)
    try:
        return j.append_many(items)
    finally:
        j.close()


def entry_fields(decision="admit", direction="in", reasons=(), household="3-2-501", pass_id="00112233aabbccdd",
                 temperature=36.6) -> dict:
    return {"direction": direction, "decision": decision, "reasons": list(reasons),
            "credential": {"kind": "pass", "pass_id": pass_id, "household": household},
            "temperature": {"value_c": temperature, "sensor": "sim"}, "operator": None, "visitor": None}


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token on the page"
    return m.group(1)


def login(client, name: str, password: str):
    page = client.get("/console/login")
    return client.post("/console/login", data={"name": name, "password": password,
                                               "csrf_token": csrf_of(page.get_data(as_text=True))})


def token(client, path: str = "/console/entries") -> str:
    return csrf_of(client.get(path).get_data(as_text=True))


def log_in(page, server, user):
    """Logs in through the console's page in Chromium, as staff do."""
    page.goto(server.console_url)
    page.get_by_test_id("login-name").fill(user[0])
    page.get_by_test_id("login-password").fill(user[1])
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("user-name").wait_for()


def open_menu(page) -> None:
    """Opens a phone's folded menu. The button works once console.js has run, which is
    before DOMContentLoaded: a tap in the moment between a link's new page showing and
    its script running would be lost, as a person's would, so wait for that first."""
    page.wait_for_load_state("domcontentloaded")
    toggle = page.get_by_test_id("menu-toggle")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)
