"""The touchscreen in headless Chromium against the real kiosk process on simulated
drivers: what a volunteer sees and does, found by data-testid."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.places import REPO
from tests.kiosk.web.kiosk_process import PIN

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect
ARTIFACTS = REPO / "test-artifacts"
SMALL, LARGE = {"width": 800, "height": 480}, {"width": 1280, "height": 800}
PORTRAIT = {"width": 720, "height": 1280}
VISITOR_ID = "11010519491231002X"


def card(page, seq: int, timeout: float = 60_000):
    """The verdict card once it shows entry ``seq`` (a generous wait: three pages and the
    kiosk share two loaded cores in the suite; it returns as soon as the card shows)."""
    return page.wait_for_selector(f'[data-testid="verdict"][data-seq="{seq}"]', timeout=timeout)


def inside_viewport(page, selector: str) -> bool:
    return page.evaluate("""s => { const b = document.querySelector(s).getBoundingClientRect();
        return b.top >= 0 && b.left >= 0 && b.bottom <= innerHeight && b.right <= innerWidth; }""", selector)


def enter_pin(page):
    page.wait_for_selector('[data-testid="pin-dialog"][open]')
    page.fill('[data-testid="pin-input"]', PIN)
    page.fill('[data-testid="pin-operator"]', "王志愿")
    page.click('[data-testid="pin-ok"]')


def test_an_arrival_shows_its_card_within_a_second(open_screen, kiosk):
    page = open_screen()
    assert page.inner_text('[data-testid="verdict-word"]') == "请出示通行码"
    seq = kiosk.next_seq()
    kiosk.arrive(code="RES-1", temperature_c=36.6)
    c = card(page, seq)
    assert c.get_attribute("data-decision") == "admit"
    assert "admit" in c.get_attribute("class")
    assert page.inner_text('[data-testid="verdict-word"]') == "通行"
    # The registry names the holder; the screen shows only the masked name.
    assert page.inner_text('[data-testid="verdict-who"]') == "张* · 3栋2单元501"
    assert re.fullmatch(r"36\.\d °C", page.inner_text('[data-testid="verdict-temp"]'))
    # Journaled to shown on screen, on the kiosk's own clock.
    assert int(c.get_attribute("data-lag-ms")) < 1000
    assert page.get_attribute("body", "data-sound") == "admit"
    assert page.inner_text('[data-testid="count-in"]') != "0"

    # Every word the big card shows from here on, in order.
    page.evaluate("""() => { window.seen = [];
        new MutationObserver(() => window.seen.push(document.querySelector('[data-testid=verdict-word]').textContent))
            .observe(document.getElementById('verdict'), {subtree: true, childList: true, characterData: true}); }""")
    seq = kiosk.next_seq()
    kiosk.arrive(code="RES-2", temperature_c=38.6, show_s=3.0)
    c = card(page, seq)
    assert c.get_attribute("data-decision") == "deny"
    assert page.inner_text('[data-testid="verdict-word"]') == "禁止"
    # A code seen asks for the temperature; a fever asks for a second reading before the verdict.
    seen = page.evaluate("window.seen")
    words = [w for i, w in enumerate(seen) if i == 0 or seen[i - 1] != w]
    assert words[-3:] == ["请测温", "请重新测温", "禁止"], words
    assert "体温偏高" in page.inner_text('[data-testid="verdict-reason"]')
    assert page.get_attribute("body", "data-sound") == "deny"
    assert page.inner_text('[data-testid="count-fevers"]') != "0"


def test_a_refer_waits_in_the_queue_until_a_volunteer_overrides_it(open_screen, kiosk):
    page = open_screen()
    seq = kiosk.next_seq()
    kiosk.arrive(code="NOBODY-KNOWS-ME", temperature_c=36.5)
    card(page, seq)
    assert page.inner_text('[data-testid="verdict-word"]') == "请人工核验"
    item = page.wait_for_selector(f'[data-testid="queue-item"][data-seq="{seq}"]')
    entry_id = item.get_attribute("data-id")
    admitted_before = int(page.inner_text('[data-testid="count-in"]'))

    item.click()
    details = page.inner_text('[data-testid="override-details"]')
    assert f"#{seq}" in details and "36." in details
    assert "二维码 · NO********ME" in details      # what was shown, in words, masked
    page.click('[data-testid="override-admit"]')
    assert page.inner_text('[data-testid="override-error"]') == "请选择或填写原因"
    page.click('[data-testid="reason-2"]')
    page.click('[data-testid="override-admit"]')
    enter_pin(page)
    page.wait_for_selector(f'[data-testid="queue-item"][data-seq="{seq}"]', state="detached")
    # A locator wait: the page's Content-Security-Policy refuses wait_for_function's eval.
    expect(page.locator('[data-testid="count-in"]')).to_have_text(str(admitted_before + 1))

    overrides = [e for e in kiosk.entries() if e.get("ref") == entry_id]
    assert len(overrides) == 1
    o = overrides[0]
    assert (o["decision"], o["reasons"]) == ("admit", ["override"])
    assert o["operator"] == {"name": "王志愿", "reason": "已核实身份"}
    # The override's own card went up, green.
    card(page, o["seq"])
    assert page.inner_text('[data-testid="verdict-word"]') == "通行"


def test_times_are_the_sites_and_name_its_zone(open_screen, kiosk):
    # A browser set to London still shows the site's (Shanghai's) times, and says so.
    page = open_screen(timezone_id="Europe/London")
    seq = kiosk.next_seq()
    kiosk.arrive(code="NOBODY-KNOWS-ME-TZ", temperature_c=36.5)
    item = page.wait_for_selector(f'[data-testid="queue-item"][data-seq="{seq}"]')
    (entry,) = [e for e in kiosk.entries() if e["seq"] == seq]
    local = datetime.fromisoformat(entry["ts"].replace("Z", "+00:00")).astimezone(ZoneInfo("Asia/Shanghai"))
    assert item.query_selector('[data-testid="queue-time"]').inner_text().split() == [f"{local:%H:%M}", "UTC+8"]
    assert re.fullmatch(r"\d\d:\d\d UTC\+8", page.inner_text('[data-testid="clock"]'))
    item.click()
    details = page.inner_text('[data-testid="override-details"]')
    assert f"{local:%H:%M:%S}（北京时间 UTC+8）" in details
    page.click('[data-testid="override-cancel"]')


def test_a_registered_visitor_gets_a_day_pass_that_then_admits(open_screen, kiosk, tmp_path):
    page = open_screen("/visitors/new")
    page.fill('[data-testid="visitor-name"]', "李华")        # optional: a keyboard is attached here
    page.fill('[data-testid="visitor-phone"]', "13800138000")
    page.fill('[data-testid="visitor-id_number"]', "110105194912310021")     # a digit mistyped
    page.wait_for_selector('[data-testid="error-id_number"]:not(:empty)')
    page.fill('[data-testid="visitor-id_number"]', VISITOR_ID)
    expect(page.locator('[data-testid="visitor-id_number"]')).to_have_value(re.compile(r"\*"))
    assert page.input_value('[data-testid="visitor-id_number"]') == "110105********002X"
    assert page.inner_text('[data-testid="error-id_number"]') == ""
    pick_household(page, "3", "2", "501")
    pick_place(page, "coming_from", "110000", "110000")
    pick_place(page, "heading_to", "410000", "410100")
    page.click('[data-testid="visitor-contact-no"]')
    page.click('[data-testid="visitor-symptoms-no"]')
    page.click('[data-testid="visitor-submit"]')
    enter_pin(page)
    page.wait_for_url(re.compile(r"/visitors/[0-9a-f]+/pass$"))
    assert "李*" in page.inner_text('[data-testid="visitor-pass-who"]')
    qr = tmp_path / "pass.png"
    page.locator('[data-testid="visitor-pass-qr"] svg').screenshot(path=str(qr))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "visitor-pass-1280x800.png"))
    # On the small screen the code and its validity show whole, with no scrolling.
    page.set_viewport_size(SMALL)
    assert page.evaluate("document.querySelector('.form-page').scrollHeight") <= SMALL["height"]
    assert inside_viewport(page, '[data-testid="visitor-pass-until"]')
    assert inside_viewport(page, '[data-testid="visitor-pass-qr"] svg')
    page.screenshot(path=str(ARTIFACTS / "visitor-pass-800x480.png"))

    screen = open_screen()
    seq = kiosk.next_seq()
    kiosk.arrive(image=qr, temperature_c=36.5)       # the visitor holds the photographed pass up
    c = card(screen, seq)
    assert c.get_attribute("data-decision") == "admit"
    assert screen.inner_text('[data-testid="verdict-who"]').startswith("访客 · 李*")

    entry = next(e for e in kiosk.entries() if e["seq"] == seq)
    v = entry["visitor"]
    assert (v["name"], v["going_to"], v["coming_from"], v["heading_to"]) == ("李华", "3-2-501", "北京市", "河南省 郑州市")
    assert v["id_masked"] == "110105********002X" and len(v["id_hash"]) == 64
    assert (v["contact"], v["symptoms"], v["questions_version"]) == (False, False, 1)   # enforce: the full set
    # The ID number is nowhere on the kiosk's disk in clear.
    for f in (kiosk.workdir / "state").rglob("*"):
        assert not f.is_file() or VISITOR_ID.encode() not in f.read_bytes(), f


def test_a_handheld_reading_stands_in_for_a_broken_thermometer(open_screen, kiosk):
    page = open_screen("/handheld/")
    page.fill('[data-testid="handheld-value"]', "36,4")
    page.click('[data-testid="handheld-submit"]')
    enter_pin(page)
    page.wait_for_selector('[data-testid="handheld-saved"]:not([hidden])')
    screen = open_screen()
    seq = kiosk.next_seq()
    kiosk.arrive(code="RES-3", temperature_c="none")
    card(screen, seq)
    assert screen.inner_text('[data-testid="verdict-word"]') == "通行"
    assert screen.inner_text('[data-testid="verdict-temp"]') == "36.4 °C (手持测温)"


def test_the_language_switch_changes_every_word(open_screen):
    page = open_screen()
    assert page.inner_text('[data-testid="health-camera"]').startswith("摄像头")
    page.click('[data-testid="lang-switch"]')
    page.wait_for_selector('body[data-lang="en"]')
    page.wait_for_selector('body[data-connected="1"]')
    assert page.inner_text('[data-testid="verdict-word"]') == "Show your pass code"
    page.wait_for_selector('[data-testid="health-camera"]')
    assert page.inner_text('[data-testid="health-camera"]').startswith("Camera")
    assert page.inner_text('[data-testid="nav-visitor"]') == "Visitor"
    page.click('[data-testid="lang-switch"]')
    page.wait_for_selector('body[data-lang="zh"]')
    assert page.inner_text('[data-testid="nav-visitor"]') == "访客登记"


def test_status_bar_says_what_is_wrong_in_plain_words(open_screen):
    page = open_screen()
    page.wait_for_selector('[data-testid="health-camera"]')
    for key in ("camera", "thermometer", "gate", "broker", "backlog", "registry", "disk", "clock"):
        assert page.query_selector(f'[data-testid="health-{key}"]') is not None, key
    assert page.get_attribute('[data-testid="health-camera"]', "data-ok") == "true"
    registry = page.inner_text('[data-testid="health-registry"]')
    assert "第 7 版 · 1 小时前" in registry
    clock = page.query_selector('[data-testid="health-clock"]')
    if clock.get_attribute("data-ok") == "false":
        assert "未校准" in clock.inner_text()


def test_screenshots_at_both_screen_sizes(open_screen, kiosk):
    pages = {"800x480": open_screen(viewport=SMALL), "1280x800": open_screen(viewport=LARGE),
             "720x1280": open_screen(viewport=PORTRAIT)}
    stranger = kiosk.next_seq()
    kiosk.arrive(code="STRANGER-42", temperature_c=36.7)
    # The stranger's own item: the module's kiosk may still list a refer from a test before.
    for p in pages.values():
        p.wait_for_selector(f'[data-testid="queue-item"][data-seq="{stranger}"]')
    seq = stranger + 1
    # Shown long enough for a starved decoder to read it; the card is what is waited on.
    kiosk.arrive(code="RES-4", temperature_c=36.5, show_s=20.0)
    ARTIFACTS.mkdir(exist_ok=True)
    for p in pages.values():
        card(p, seq)
        p.wait_for_function("document.querySelector('[data-testid=preview]').naturalWidth > 0", timeout=30_000)
    time.sleep(0.5)         # for the pictures only: a preview frame with the code outlined (5 a second)
    for size, p in pages.items():
        # The camera preview shows, scaled down to [ui] preview_width.
        assert p.evaluate("document.querySelector('[data-testid=preview]').naturalWidth") == 320
        w, h = (int(v) for v in size.split("x"))
        # Nothing spills off the screen: the page fits its viewport without scrolling.
        assert p.evaluate("document.documentElement.scrollWidth") <= w
        assert p.evaluate("document.documentElement.scrollHeight") <= h
        p.screenshot(path=str(ARTIFACTS / f"screen-{size}.png"))
    # Readable from 1.5 m on the small screen (a 7" 800x480 panel has about 0.19 mm pixels):
    # the verdict over 12 mm tall, the person and temperature over 6.5 mm.
    px = pages["800x480"].evaluate("""() => Object.fromEntries(['word', 'who', 'temp', 'reason'].map(k =>
        [k, parseFloat(getComputedStyle(document.querySelector('#verdict .' + k)).fontSize)]))""")
    assert px["word"] >= 64 and min(px["who"], px["temp"]) >= 34 and px["reason"] >= 28, px

    # Portrait: the verdict full width on top, the preview and the queue below it.
    tall = pages["720x1280"]
    v, pv, q = (tall.locator(f'[data-testid="{k}"]').bounding_box() for k in ("verdict", "preview", "queue"))
    assert v["width"] >= 0.9 * PORTRAIT["width"] and min(pv["y"], q["y"]) >= v["y"] + v["height"], (v, pv, q)

    # The stranger waiting in the queue is settled with a reason typed, not picked.
    page = pages["1280x800"]
    item = page.wait_for_selector(f'[data-testid="queue-item"][data-seq="{stranger}"]')
    entry_id = item.get_attribute("data-id")
    item.click()
    page.fill('[data-testid="reason-other"]', "送快递，已电话核实")
    page.click('[data-testid="override-deny"]')
    enter_pin(page)
    page.wait_for_selector(f'[data-testid="queue-item"][data-id="{entry_id}"]', state="detached")
    (o,) = [e for e in kiosk.entries() if e.get("ref") == entry_id]
    assert o["decision"] == "deny" and o["operator"]["reason"] == "送快递，已电话核实"


def test_the_page_reconnects_by_itself_after_the_kiosk_restarts(open_screen, kiosk):
    page = open_screen()
    kiosk.stop()
    page.wait_for_selector('[data-testid="disconnected"]:not([hidden])', timeout=30000)
    kiosk.start()
    page.wait_for_selector('body[data-connected="1"]', timeout=30000)
    assert page.is_hidden('[data-testid="disconnected"]')
    seq = kiosk.next_seq()
    kiosk.arrive(code="RES-5", temperature_c=36.6)
    card(page, seq)
    assert page.inner_text('[data-testid="verdict-word"]') == "通行"


def test_no_tones_in_the_quiet_hours(open_screen, kiosk):
    day = open_screen()
    night = open_screen(at=kiosk.quiet_from + timedelta(minutes=30))
    seq = kiosk.next_seq()
    kiosk.arrive(code="RES-6", temperature_c=36.5)
    for p in (day, night):
        card(p, seq)
        assert p.inner_text('[data-testid="verdict-word"]') == "通行"
    assert day.get_attribute("body", "data-sound") == "admit"
    assert night.get_attribute("body", "data-sound") is None


def test_a_crowded_card_still_fits_the_small_screen_in_english(open_screen, kiosk):
    page = open_screen(viewport=SMALL)
    page.click('[data-testid="lang-switch"]')
    page.wait_for_selector('body[data-lang="en"][data-connected="1"]')
    seq = kiosk.next_seq() + 1
    kiosk.arrive(code="RES-7", temperature_c=36.5, show_s=1.0)
    time.sleep(1.0 + 3.3)               # shown 1 s, then gone for debounce_s: the same code is a new scan
    kiosk.arrive(code="RES-7", temperature_c="none")      # back again, never left, no reading
    card(page, seq)
    assert page.inner_text('[data-testid="verdict-word"]') == "VOLUNTEER CHECK"
    assert page.inner_text('[data-testid="verdict-who"]') == "杨* · Bldg 3 · Unit 2 · 507"
    reason = page.inner_text('[data-testid="verdict-reason"]')
    assert "temperature" in reason and "not left" in reason, reason
    assert card_fits(page)
    # Fuller still: the same card with a third reason, as the page would receive it.
    entry = next(e for e in kiosk.entries() if e["seq"] == seq)
    page.evaluate("showDecision", {**entry, "seq": 9999, "reasons": entry["reasons"] + ["unknown_code"]})
    assert page.get_attribute('[data-testid="verdict"]', "data-seq") == "9999"
    assert card_fits(page)
    page.screenshot(path=str(ARTIFACTS / "screen-crowded-en-800x480.png"))


def pick_household(page, building: str, unit: str, room: str) -> None:
    for part, value in (("building", building), ("unit", unit), ("room", room)):
        page.select_option(f'[data-testid="visitor-going_to-{part}"]', value)


def pick_place(page, field: str, province: str, city: str) -> None:
    page.select_option(f'[data-testid="visitor-{field}-province"]', province)
    page.select_option(f'[data-testid="visitor-{field}-city"]', city)


def card_fits(page) -> bool:
    for part in ("word", "who", "temp", "reason"):
        assert inside_viewport(page, f'[data-testid="verdict-{part}"]'), part
    return page.evaluate("""() => { const v = document.getElementById('verdict').getBoundingClientRect();
        return [...document.getElementById('verdict').children].filter(c => c.getClientRects().length)
            .every(c => { const b = c.getBoundingClientRect();
            return b.top >= v.top && b.bottom <= v.bottom && b.left >= v.left && b.right <= v.right; }); }""")
