"""A visitor registers on their own phone, end to end: Chromium at 390x844 fills in the
public page of a real `community-server run`; a screenshot of the pass's QR code is held
to a real `kiosk run` on simulated devices (through the camera inbox); the volunteer
confirms with one tap; the entries reach the server over real Mosquitto and link to the
declaration by pass id."""

from __future__ import annotations

import json
import sqlite3
import urllib.request
from pathlib import Path

import pytest

from sync.mosquitto import free_port
from sync.server.console.store import ConsoleStore
from sync.server.passes import load_or_create_key
from sync.server.storage.sqlite import SQLiteStorage
from tests.kiosk.web.kiosk_process import PIN, KioskProcess
from tests.places import REPO
from tests.sync.procs import ServerProcess, write_server_config
from tests.waiting import wait_until

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
ARTIFACTS = REPO / "test-artifacts"
SITE, GATE = "demo-site", "east"


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def server(tmp_path, broker):
    """The community server as its own process, with one household and its pass key made first."""
    port = free_port()
    cfg = write_server_config(tmp_path / "server" / "server.toml", broker.port, http_port=port,
                              extra=f'[console]\nsite = "{SITE}"\n')
    state = tmp_path / "server" / "server-state"
    key = load_or_create_key(state / "pass-key.pem")
    storage = SQLiteStorage(state / "server.sqlite3")
    try:
        ConsoleStore(storage).upsert_household("3", "2", "501")
    finally:
        storage.close()
    proc = ServerProcess(cfg, tmp_path / "server.log").start()
    url = f"http://127.0.0.1:{port}/v/"
    try:
        wait_until(lambda: _answers(url), 30, "the community server's visitor page to answer")
        yield url, key, state / "server.sqlite3"
    finally:
        proc.stop()


@pytest.fixture
def kiosk(tmp_path, broker, server):
    _, key, _ = server
    (tmp_path / "kiosk").mkdir()
    k = KioskProcess(tmp_path / "kiosk")
    joined_up(k.config, f'site = "{SITE}"\ngate = "{GATE}"', broker.port)
    # The site's registry as the server would push it: its pass key trusted, visitors referred.
    (k.workdir / "registry.json").write_text(json.dumps({"version": 1, "site": SITE,
                                                         "trusted_keys": key.registry_entry()}))
    k.start()
    yield k
    k.stop()


def joined_up(config: Path, kiosk_keys: str, broker_port: int) -> None:
    """The test kiosk's config, at this site and gate and sending to the broker."""
    text = config.read_text()
    for old, new in (('[kiosk]\nstate_dir = "state"\n', f'[kiosk]\nstate_dir = "state"\n{kiosk_keys}\n'),
                     ("[mqtt]\nenabled = false\n", f"[mqtt]\nenabled = true\nport = {broker_port}\n")):
        assert old in text, f"the test kiosk's config no longer has {old!r}"
        text = text.replace(old, new)
    config.write_text(text)


def fill_in_on_the_phone(browser, url: str, qr_png: Path) -> str:
    ctx = browser.new_context(viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True,
                              locale="zh-CN")
    try:
        page = ctx.new_page()
        page.goto(url)
        # Mobile first: nothing wider than the phone, every tap target at least 44 px high.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        small = page.evaluate("""[...document.querySelectorAll(
            'input:not([type=radio]):not([type=hidden]), select, button, .yesno label, header .lang')]
            .map((e) => [e.name || e.textContent.trim(), e.getBoundingClientRect().height])
            .filter(([, h]) => h < 44)""")
        assert small == [], small
        page.fill('[data-testid="field-name"]', "张伟")
        page.fill('[data-testid="field-phone"]', "13800138000")
        for part, value in (("building", "3"), ("unit", "2"), ("room", "501")):
            page.fill(f'[data-testid="field-{part}"]', value)
        page.select_option('[data-testid="field-province"]', "410000")
        page.select_option('[data-testid="field-origin"]', "410100")
        page.fill('[data-testid="field-heading_to"]', "探亲")
        page.check('[data-testid="field-contact"] input[value="no"]')
        page.check('[data-testid="field-symptoms"] input[value="no"]')
        assert "28天" in page.inner_text('[data-testid="consent"]')
        page.click('[data-testid="submit"]')
        page.wait_for_selector('[data-testid="pass-qr"] svg')
        # The whole code is on the phone's first screen, wide enough to read at arm's length.
        box = page.locator('[data-testid="pass-qr"] svg').bounding_box()
        assert box["y"] + box["height"] <= PHONE["height"] and box["width"] >= 300, box
        assert page.inner_text('[data-testid="pass-name"]') == "张*"
        page.locator('[data-testid="pass-qr"] svg').screenshot(path=str(qr_png))
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "visitor-pass-390x844.png"))
        return page.get_attribute('[data-testid="pass"]', "data-pass-id")
    finally:
        ctx.close()


def confirm_with_one_tap(browser, kiosk, seq: int) -> None:
    ctx = browser.new_context(viewport={"width": 800, "height": 480}, locale="zh-CN")
    try:
        page = ctx.new_page()
        page.goto(kiosk.url + "/")
        row = page.wait_for_selector(f'[data-testid="queue-item"][data-seq="{seq}"]')
        text = row.inner_text()
        for words in ("访客 张*", "河南省 郑州市", "无接触、无症状"):
            assert words in text, text
        # Gloves: the confirm button is a full-size control, and the row's words are all visible.
        page.screenshot(path=str(ARTIFACTS / "visitor-queue-800x480.png"))
        button = row.query_selector('[data-testid="queue-confirm"]')
        box = button.bounding_box()
        assert box["width"] >= 56 and box["height"] >= 56, box
        panel = page.locator(".queue").bounding_box()
        assert box["y"] + box["height"] <= panel["y"] + panel["height"], (box, panel)    # no scrolling to reach it
        assert row.evaluate("r => [...r.querySelectorAll('.what')].every((w) => w.scrollWidth <= w.clientWidth + 1)")
        button.click()
        page.wait_for_selector('[data-testid="pin-dialog"][open]')     # the volunteer signs in once
        page.fill('[data-testid="pin-input"]', PIN)
        page.fill('[data-testid="pin-operator"]', "王志愿")
        page.click('[data-testid="pin-ok"]')
        page.wait_for_selector(f'[data-testid="queue-item"][data-seq="{seq}"]', state="detached")
    finally:
        ctx.close()


def server_entries(db: Path, pass_id: str) -> list[dict]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT e.decision, e.body, d.name FROM entries e JOIN visitor_declarations d "
                            "ON d.pass_id = e.pass_id WHERE e.pass_id = ? ORDER BY e.seq", (pass_id,)).fetchall()
    finally:
        conn.close()
    return [{"decision": d, "entry": json.loads(b), "declared_by": n} for d, b, n in rows]


def test_a_visitor_registers_on_the_phone_and_enters_with_one_tap(tmp_path, chromium, server, kiosk):
    url, _, db = server
    qr = tmp_path / "pass-screenshot.png"
    pass_id = fill_in_on_the_phone(chromium, url, qr)

    seq = kiosk.next_seq()
    kiosk.arrive(image=qr, temperature_c=36.5)
    first = wait_until(lambda: next((e for e in kiosk.entries() if e["seq"] == seq), None), 30,
                       "the kiosk to journal the visitor")
    assert (first["decision"], first["reasons"]) == ("refer", ["visitor_self_registered"])
    assert first["credential"]["pass_id"] == pass_id
    assert {k: first["visitor"][k] for k in ("name_masked", "origin", "origin_name", "contact", "symptoms")} == \
        {"name_masked": "张*", "origin": "410100", "origin_name": "河南省 郑州市", "contact": False, "symptoms": False}

    confirm_with_one_tap(chromium, kiosk, seq)
    override = next(e for e in kiosk.entries() if e.get("ref") == first["id"])
    assert (override["decision"], override["operator"]["name"]) == ("admit", "王志愿")

    on_server = wait_until(lambda: (rows := server_entries(db, pass_id)) and len(rows) == 2 and rows, 60,
                           "both entries to reach the server")
    assert [r["decision"] for r in on_server] == ["refer", "admit"]
    assert all(r["declared_by"] == "张伟" for r in on_server)      # the full declaration, by pass id
