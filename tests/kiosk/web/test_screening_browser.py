"""The touchscreen in each screening mode, in headless Chromium against a real kiosk
process: the status bar's badge names the mode, `off` never asks for a temperature, and
the voice never calls a fever let through (record) or an unjudged reading (off) normal."""

from __future__ import annotations

import pytest

from tests.kiosk.web.kiosk_process import KioskProcess
from tests.waiting import wait_until

pytestmark = pytest.mark.browser


@pytest.fixture(params=["off", "record"])
def gate(request, chromium, tmp_path):
    k = KioskProcess(tmp_path, policy={"pairing_window_s": 1.5, "screening": request.param})
    k.start()
    ctx = chromium.new_context(viewport={"width": 800, "height": 480}, locale="zh-CN")
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(k.url + "/")
        page.wait_for_selector('body[data-connected="1"]')
        yield request.param, k, page
    finally:
        ctx.close()
        k.stop()
    assert errors == []


def test_the_screen_shows_the_mode_and_says_only_what_is_true(gate):
    mode, kiosk, page = gate
    badge = page.get_by_test_id("health-screening")
    badge.wait_for()
    assert badge.inner_text().replace(" ", "") == "防疫" + {"off": "关闭", "record": "记录"}[mode]

    seq = kiosk.next_seq()
    kiosk.arrive(code="RES-5", temperature_c=38.6, show_s=3.0)
    page.wait_for_selector(f'[data-testid="verdict"][data-seq="{seq}"][data-decision="admit"]', timeout=20000)
    # Polled from here: the page's Content-Security-Policy refuses the eval that
    # wait_for_function polls with.
    wait_until(lambda: page.evaluate("() => kioskVoice.log.some(i => i.name === 'pass' && i.started !== null)"),
               20, "the pass phrase played")
    said = page.evaluate("kioskVoice.log.map(i => i.name)")
    assert "admit" not in said, f"体温正常 said in {mode}: {said}"
    if mode == "off":
        assert "measure" not in said, "请测温 asked in off"
    else:
        assert "体温偏高" in page.get_by_test_id("verdict-reason").inner_text()
