"""axe-core (the copy bundled with axe-playwright-python, no network) finds no serious
or critical accessibility violation on any console page, at a phone's and a desk's size."""

from __future__ import annotations

import pytest

from sync.schema import Batch
from tests.sync.server.console.conftest import SITE
from tests.sync.server.consolekit import entry_fields, journal_entries, open_menu

pytestmark = [pytest.mark.browser, pytest.mark.slow]
pytest.importorskip("playwright.sync_api")

PAGES = ("entries", "entries?decision=refer&gate=nowhere", f"entries/{SITE}/gate-axe/1", "alerts", "alerts?all=1",
         "gates", "households", "households/5-5-505", "quarantine", "screening", "users", "report")


@pytest.fixture(scope="module")
def filled(office, tmp_path_factory):
    """Every kind of row on the pages: admits, denials, referrals, an alert, a household."""
    from sync.server.console.store import ConsoleStore

    items = [entry_fields(household="5-5-505"), entry_fields("deny", reasons=["fever"], temperature=38.6,
                                                             household="5-5-505"),
             entry_fields("refer", "out", ["no_temperature"], household="5-5-505")]
    office.storage.store([Batch(SITE, "gate-axe", journal_entries(tmp_path_factory.mktemp("axe"), "gate-axe", items,
                                                                  site=SITE))])
    office.storage.record_status(SITE, "gate-axe", {"v": 1, "state": "online", "backlog": 0,
                                                    "devices": {"camera": "ok", "thermometer": "stale"}})
    ConsoleStore(office.storage).import_residents([{"building": "5", "unit": "5", "room": "505", "name": "孙丽",
                                                    "phone": "13900000000"}])
    return office


def serious_violations(page) -> list:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")]


def test_no_serious_violations_on_any_page(screen, filled):
    found = {}
    for path in PAGES:
        screen.goto(filled.console_url + path)
        screen.get_by_test_id("user-name").wait_for(state="attached")
        if screen.size == "phone":   # the open menu too
            open_menu(screen)
        found[path] = serious_violations(screen)
    assert {p: v for p, v in found.items() if v} == {}


def test_the_login_page_has_no_serious_violations(chromium, filled):
    ctx = chromium.new_context(viewport={"width": 390, "height": 844})
    try:
        page = ctx.new_page()
        page.goto(filled.console_url + "login")
        assert serious_violations(page) == []
    finally:
        ctx.close()
