"""The gates page tells "this server cannot reach its broker" apart from "the kiosk is
offline": with the server's own Mosquitto stopped, no gate is blamed."""

from __future__ import annotations

import pytest

from tests.sync.server.console.conftest import SITE, SIZES, log_in
from tests.waiting import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


def test_a_server_off_its_broker_does_not_blame_the_gates(chromium, office_own_broker, broker):
    rt = office_own_broker
    rt.storage.record_status(SITE, "gate-up", {"v": 1, "state": "online", "backlog": 0})
    rt.storage.record_status(SITE, "gate-down", {"v": 1, "state": "offline"})
    ctx = chromium.new_context(viewport=SIZES["desk"])
    try:
        page = log_in(ctx, rt)
        page.goto(rt.console_url + "gates")
        row = page.locator('[data-testid="gate-row"][data-gate="gate-up"]')
        expect(row.get_by_test_id("gate-state")).to_have_text("在线")
        expect(page.locator('[data-testid="gate-row"][data-gate="gate-down"]').get_by_test_id("gate-state")) \
            .to_have_text("离线")
        expect(page.get_by_test_id("broker-down")).to_have_count(0)

        broker.stop()
        wait_until(lambda: not rt.collector.link.connected, 30, "the server to notice its broker is gone")
        page.reload()
        expect(page.get_by_test_id("broker-down")).to_contain_text("本服务器连不上它的消息服务器")
        for gate, known in (("gate-up", "在线"), ("gate-down", "离线")):
            row = page.locator(f'[data-testid="gate-row"][data-gate="{gate}"]')
            expect(row.get_by_test_id("gate-state")).to_contain_text("未知")
            expect(row.get_by_test_id("gate-last-known")).to_have_text(f"上次所知：{known}")

        broker.start()
        wait_until(lambda: rt.collector.link.connected, 60, "the server to reconnect to its broker")
        page.reload()
        expect(page.get_by_test_id("broker-down")).to_have_count(0)
        expect(page.locator('[data-testid="gate-row"][data-gate="gate-up"]').get_by_test_id("gate-state")) \
            .to_have_text("在线")
    finally:
        ctx.close()
