"""The console guide's pictures (docs/console.md), taken from the real thing: a
community server fed by a real broker, seen in Chromium (saved in test-artifacts/)."""

from __future__ import annotations

import paho.mqtt.client as mqtt
import pytest

from sync import schema, topics
from sync.schema import Batch
from tests.places import REPO
from tests.sync.server.consolekit import ADMIN, SITE, entry_fields, expect, journal_entries, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARTIFACTS = REPO / "test-artifacts"


def test_screenshots_of_the_entries_and_the_gates(page, console_server, console_broker, tmp_path):
    for gate, n in (("gate-1", 14), ("gate-2", 6)):
        items = [entry_fields(household=f"3-2-{501 + i}", direction="in" if i % 3 else "out") for i in range(n)]
        items += [entry_fields("deny", "in", ["fever"], household="2-1-202", temperature=38.4),
                  entry_fields("refer", "out", ["no_temperature"], household="5-1-301")]
        console_server.storage.store([Batch(SITE, gate, journal_entries(tmp_path, gate, items, site=SITE))])
    # gate-1 reports as a kiosk does: retained, on its status topic.
    kiosk = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="kiosk-demo-site-gate-1")
    kiosk.connect("127.0.0.1", console_broker.port)
    kiosk.loop_start()
    kiosk.publish(topics.STATUS.format(SITE, "gate-1"), schema.encode_status(
        {"state": "online", "version": "0.1.0", "backlog": 0, "registry_version": 7, "clock_synced": True,
         "devices": {"camera": "ok", "thermometer": "ok", "relay": "ok"}}), qos=1, retain=True).wait_for_publish(30)
    kiosk.loop_stop()
    kiosk.disconnect()

    ARTIFACTS.mkdir(exist_ok=True)
    log_in(page, console_server, ADMIN)
    page.goto(console_server.console_url + "entries")
    expect(page.get_by_test_id("entry-row").first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "console-entries.png"))
    page.get_by_test_id("nav-gates").click()
    expect(page.get_by_test_id("gate-row")).to_have_count(2)
    expect(page.get_by_test_id("gate-state").first).to_have_text("在线", timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "console-gates.png"))
    assert (ARTIFACTS / "console-entries.png").stat().st_size > 10_000
