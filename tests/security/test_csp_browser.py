"""Both apps under their Content-Security-Policy in Chromium: every page loads and runs
with no violation reported, and the scripts that moved out of the pages still work."""

from __future__ import annotations

import pytest

from sync.schema import Batch
from tests.sync.server.consolekit import ADMIN, entry_fields, journal_entries

pytestmark = [pytest.mark.browser]
expect = pytest.importorskip("playwright.sync_api").expect

# Runs before any page script: what the browser reports as blocked by the policy.
WATCH = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));"""


def _context(chromium):
    ctx = chromium.new_context(viewport={"width": 1280, "height": 800})
    ctx.add_init_script(WATCH)
    ctx.problems = []
    ctx.on("console", lambda m: ctx.problems.append(m.text) if m.type == "error" and "Failed to load" not in m.text
           else None)
    # The browser's own favicon request is no page's doing.
    ctx.on("response", lambda r: ctx.problems.append(f"{r.status} {r.url}")
           if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    ctx.on("weberror", lambda e: ctx.problems.append(str(e.error)))
    return ctx


def _under_policy(response, url: str) -> None:
    policy = response.headers.get("content-security-policy", "")
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, f"{url}: no policy"


def _visit(page, url: str) -> None:
    _under_policy(page.goto(url), url)
    page.wait_for_load_state("networkidle")
    violations = page.evaluate("window.__csp")
    assert violations == [], f"{url}: blocked by the policy: {violations}"


def test_every_console_page_runs_under_its_policy(chromium, console_app, console_http, storage, tmp_path):
    con = console_app.extensions["console"]
    con.store.import_residents([{"building": "3", "unit": "2", "room": "501", "name": "张伟", "phone": ""}])
    storage.store([Batch("demo-site", "gate-1", journal_entries(tmp_path, "gate-1", [entry_fields()] * 3))])
    ctx = _context(chromium)
    try:
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        _visit(page, console_http + "/console/login")
        page.get_by_test_id("login-name").fill(ADMIN[0])
        page.get_by_test_id("login-password").fill(ADMIN[1])
        page.get_by_test_id("login-submit").click()
        page.get_by_test_id("user-name").wait_for()
        for path in ("entries", "entries/demo-site/gate-1/1", "alerts", "gates", "households",
                     "households/3-2-501", "quarantine", "screening", "users", "passes/print?building=3"):
            _visit(page, f"{console_http}/console/{path}")
        # The entries table's script starts from its JSON block and redraws as entries arrive.
        _visit(page, console_http + "/console/entries")
        more = journal_entries(tmp_path, "gate-2", [entry_fields()] * 2)
        storage.store([Batch("demo-site", "gate-2", more)])
        expect(page.locator("#entries-total")).to_have_text("5", timeout=30_000)

        # A pass issued and printed: the sheet opens in a new tab, its print button is wired.
        page.goto(console_http + "/console/households/3-2-501")
        page.get_by_test_id("issue-pass").first.click()
        page.get_by_test_id("pass-row").wait_for()
        page.goto(console_http + "/console/passes/print?building=3")
        with ctx.expect_page() as sheet_tab:
            page.get_by_test_id("print-go").click()
        sheet = sheet_tab.value
        sheet.wait_for_load_state("networkidle")
        assert sheet.get_by_test_id("pass-card").count() == 1
        assert sheet.evaluate("window.__csp") == []

        # A revoke asks first (data-confirm, handled by the console's script): declined, nothing changes.
        page.goto(console_http + "/console/households/3-2-501")
        asked = []
        page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
        page.get_by_test_id("revoke-pass").click()
        assert asked and "吊销" in asked[0]
        assert page.get_by_test_id("pass-state").first.text_content() != "已吊销"
        assert page.evaluate("window.__csp") == []
        assert ctx.problems == [], ctx.problems
    finally:
        ctx.close()


def test_every_touchscreen_page_runs_under_its_policy(chromium, kiosk_http):
    ctx = _context(chromium)
    try:
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        for path in ("/", "/visitors/new", "/handheld/"):
            # wait for "load": the screen's event stream never lets the network idle
            _under_policy(page.goto(kiosk_http + path, wait_until="load"), path)
            assert page.evaluate("window.__csp") == [], f"{path}: blocked by the policy"
        assert ctx.problems == [], ctx.problems
    finally:
        ctx.close()
