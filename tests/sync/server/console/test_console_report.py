"""日报 in Chromium: its figures match entries a kiosk sent through a real broker, its
Excel download says the same, and it fits a phone."""

from __future__ import annotations

import io
from datetime import datetime
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from tests.sync.server.consolekit import SITE, entry_fields, open_menu
from tests.waiting import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


@pytest.fixture(scope="module")
def fed(office, console_broker, tmp_path_factory):
    """A kiosk's day sent through the broker by the real outbox: 6 in, 2 out, a fever,
    a quarantine exit, two visitors from 河南 and one override."""
    from kiosk import config
    from kiosk.journal import Journal
    from sync.outbox import Outbox

    people = ([entry_fields() for _ in range(6)] + [entry_fields(direction="out") for _ in range(2)]
              + [entry_fields("deny", reasons=["fever"], temperature=38.7, household="2-2-202"),
                 entry_fields("deny", "out", ["quarantine_exit"], household="7-7-707")])
    for origin in ("410100", "410300"):
        v = entry_fields()
        v["credential"] = {"kind": "day_pass", "pass_id": "0a0b0c0d0e0f0a0b", "role": "visitor"}
        v["visitor"] = {"name": "", "going_to": "3-2-501", "coming_from": origin}
        people.append(v)
    people.append({**entry_fields("admit", "in", ["override"]), "operator": {"name": "赵志愿", "reason": "认识"}})
    path = tmp_path_factory.mktemp("kiosk") / "journal.sqlite3"
    cfg = config.from_dict({"mqtt": {"port": console_broker.port, "batch_size": 5, "linger_ms": 20}})
    journal = Journal(path, site=SITE, gate="east")
    outbox = Outbox(cfg.mqtt, site=SITE, gate="east", open_journal=partial(Journal, path, site=SITE, gate="east"))
    outbox.start()
    try:
        for p in people:
            journal.append(p)
        outbox.wake()
        wait_until(lambda: {g["gate"]: g["entries"] for g in office.storage.gates()}.get("east") == len(people),
                   60, "the kiosk's entries stored by the server")
    finally:
        outbox.stop()
        journal.close()
    return office


def test_the_report_matches_what_the_kiosk_sent(screen, fed):
    if screen.size == "phone":
        open_menu(screen)
    screen.get_by_test_id("nav-report").click()
    day = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    screen.get_by_test_id("report-day").fill(day)
    screen.get_by_test_id("report-show").click()
    report = screen.get_by_test_id("report")
    expect(report).to_contain_text(f"{SITE} 门岗日报 {day}")
    expect(report).to_contain_text("当日记录 13 条")
    rows = [r.split("\t") for r in screen.get_by_test_id("report-row").all_inner_texts()]
    assert ["east", "9", "2", "2", "0"] in rows            # in: 6 + 2 visitors + the override
    assert ["河南省", "410000", "2"] in rows and ["赵志愿", "1", "0", "0"] in rows
    assert ["发热", "fever", "1"] in rows and ["隔离期外出", "quarantine_exit", "1"] in rows
    expect(report).to_contain_text("发热 1 人次")
    expect(report).to_contain_text("隔离期外出尝试 1 次")
    screen.wait_for_load_state("load")     # measured with the stylesheet applied
    assert screen.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    expect(screen.get_by_test_id("report-print")).to_be_visible()

    with screen.expect_download() as dl:
        screen.get_by_test_id("report-xlsx").click()
    assert dl.value.suggested_filename == f"report-{SITE}-{day}.xlsx"
    wb = load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes()))
    try:
        cells = [tuple(v for v in row if v is not None) for row in wb.active.iter_rows(values_only=True)]
    finally:
        wb.close()
    assert ("east", 9, 2, 2, 0) in cells and ("河南省", "410000", 2) in cells
