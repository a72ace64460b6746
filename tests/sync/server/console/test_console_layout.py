"""The console in Chromium on a 390x844 phone and a 1366x768 laptop, against a real server
and broker: no page scrolls sideways, the menu folds behind its button on the phone and
entries read as cards there, paging jumps and steps, an empty result says how to widen
it, and a group of repeated alerts is acknowledged at once with a note."""

from __future__ import annotations

import pytest

from sync.schema import Batch
from tests.sync.server.consolekit import SITE, entry_fields, journal_entries, open_menu

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

SCREENS = ("entries", "alerts", "gates", "households", "quarantine", "screening", "report", "users")


@pytest.fixture(scope="module")
def seeded(office, tmp_path_factory):
    """Entries with long reasons and a household with residents, so the tables are full width."""
    items = ([entry_fields() for _ in range(5)]
             + [entry_fields("deny", "in", ["fever", "quarantine_exit"], household="12-3-1502", temperature=38.4)]
             + [entry_fields("refer", "out", ["visitor_declared_risk", "no_temperature"], household="12-3-1502")])
    office.storage.store([Batch(SITE, "north-gate-with-a-long-name", journal_entries(
        tmp_path_factory.mktemp("journal"), "north-gate-with-a-long-name", items, site=SITE))])
    return office


def sideways(page) -> int:
    """How many CSS px the page scrolls sideways (0 when it fits), once it has loaded: a
    page followed by a click is there before its stylesheet applies, and measured then it
    is the unstyled page's width (loaded runs saw 97 and 72 px)."""
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def go(page, screen: str) -> None:
    if page.size == "phone":
        open_menu(page)
    page.get_by_test_id(f"nav-{screen}").click()
    expect(page.get_by_test_id(f"nav-{screen}")).to_have_class("on")


def test_no_page_scrolls_sideways(screen, seeded):
    for name in SCREENS:
        go(screen, name)
        assert sideways(screen) <= 0, f"{name} scrolls sideways at {screen.viewport_size}"
    screen.goto(seeded.console_url + "entries")
    screen.get_by_test_id("entry-row").first.locator("a").click()
    expect(screen.get_by_test_id("chain-status")).to_be_visible()
    assert sideways(screen) <= 0, "an entry's page scrolls sideways"
    screen.goto(seeded.console_url + "households/12-3-1502")
    assert sideways(screen) <= 0, "a household's page scrolls sideways"


def test_the_menu_folds_on_a_phone_and_opens_with_its_button(screen, seeded):
    nav = screen.get_by_test_id("nav-gates")
    toggle = screen.get_by_test_id("menu-toggle")
    if screen.size == "desk":
        expect(toggle).to_be_hidden()
        expect(nav).to_be_visible()
        return
    expect(nav).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    screen.wait_for_load_state("domcontentloaded")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    # Open, the menu sits above the page, not beside it: every link within the screen.
    for link in screen.locator("header nav a").all():
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    toggle.click()
    expect(nav).to_be_hidden()
    toggle.click()
    nav.click()
    expect(screen.get_by_test_id("gates-table")).to_be_visible()
    expect(screen.get_by_test_id("nav-gates")).to_be_hidden()


def test_entries_are_cards_on_a_phone(screen, seeded):
    screen.goto(seeded.console_url + "entries?household=12-3-1502")
    rows = screen.get_by_test_id("entry-row")
    expect(rows).to_have_count(2)
    header = screen.get_by_test_id("entries-table").locator("thead")
    if screen.size == "desk":
        expect(header).to_be_visible()
        # Every time shown names the site's zone.
        expect(header.locator("th").first).to_have_text("时间（北京时间 UTC+8）")
        return
    expect(header).to_be_hidden()
    expect(rows.first.locator("td").first).to_have_attribute("data-label", "时间（北京时间 UTC+8）")
    for row in rows.all():
        box = row.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    # Each value is labelled in the card, since the header row is gone.
    decision = rows.first.get_by_test_id("entry-decision")
    assert screen.evaluate("e => getComputedStyle(e, '::before').content", decision.element_handle()) == '"结果"'


@pytest.fixture(scope="module")
def many(office, tmp_path_factory):
    items = [entry_fields(household="9-9-909") for _ in range(130)]
    office.storage.store([Batch(SITE, "gate-paged", journal_entries(
        tmp_path_factory.mktemp("paged"), "gate-paged", items, site=SITE))])
    return office


def test_paging_jumps_and_steps(screen, many):
    screen.goto(many.console_url + "entries?gate=gate-paged")
    rows = screen.get_by_test_id("entry-row")
    expect(screen.get_by_test_id("entries-total")).to_have_text("130")
    expect(screen.get_by_test_id("page-size")).to_have_value("50")
    expect(rows).to_have_count(50)
    screen.get_by_test_id("page-jump").fill("3")
    screen.get_by_test_id("page-go").click()
    expect(screen.get_by_test_id("page-current")).to_have_text("3")
    expect(rows).to_have_count(30)
    last_page_first = rows.first.locator("a").get_attribute("href")
    screen.get_by_test_id("page-prev").click()
    expect(screen.get_by_test_id("page-current")).to_have_text("2")
    expect(rows).to_have_count(50)
    screen.get_by_test_id("page-next").click()
    expect(screen.get_by_test_id("page-current")).to_have_text("3")
    expect(rows.first.locator("a")).to_have_attribute("href", last_page_first)
    screen.get_by_test_id("page-size").select_option("100")
    screen.get_by_test_id("page-jump").fill("1")
    screen.get_by_test_id("page-go").click()
    expect(rows).to_have_count(100)
    screen.get_by_test_id("page-2").click()
    expect(rows).to_have_count(30)
    assert sideways(screen) <= 0


def test_a_filter_that_matches_nothing_says_how_to_widen_it(screen, many):
    screen.goto(many.console_url + "entries?gate=gate-paged&decision=deny")
    expect(screen.get_by_test_id("empty-state")).to_contain_text("结果: 禁止")
    screen.get_by_test_id("widen-decision").click()
    expect(screen.get_by_test_id("entries-total")).to_have_text("130")
    assert sideways(screen) <= 0


def test_bulk_acknowledge_with_a_note(screen, office, tmp_path):
    gate = f"gate-fever-{screen.size}"
    fevers = [entry_fields("deny", reasons=["fever"], temperature=38.1, pass_id="feedfacecafebeef",
                           household="4-4-404") for _ in range(16)]
    office.storage.store([Batch(SITE, gate, journal_entries(tmp_path, gate, fevers, site=SITE))])
    screen.goto(office.console_url + "alerts")
    group = screen.get_by_test_id("alert-row").filter(has_text=gate)
    expect(group).to_have_count(1)
    expect(group.get_by_test_id("alert-count")).to_have_text("共 16 次")
    group.get_by_test_id("alert-check").check()
    screen.get_by_test_id("alert-note").fill("已通知社区医生")
    screen.get_by_test_id("alert-ack-checked").click()
    expect(screen.get_by_test_id("notice")).to_have_text("已确认 16 条警报")
    expect(screen.get_by_test_id("alert-row").filter(has_text=gate)).to_have_count(0)
    assert sideways(screen) <= 0
    screen.goto(office.console_url + "alerts?all=1")
    expect(screen.get_by_test_id("alert-row").filter(has_text=gate).get_by_test_id("alert-state")) \
        .to_contain_text("已通知社区医生")
