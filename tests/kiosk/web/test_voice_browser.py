"""What the screen says, in headless Chromium against a real kiosk process on simulated
devices: each verdict plays its phrase through the page's <audio> element, a refer first
plays its chime, and nobody has to touch the screen for it."""

from __future__ import annotations

import pytest

from tests.waiting import wait_until

pytestmark = pytest.mark.browser

PLAYED = "(name) => kioskVoice.log.filter(i => i.started !== null).map(i => [i.name, i.src])"


@pytest.fixture
def screen(chromium, kiosk_process):
    ctx = chromium.new_context(viewport={"width": 800, "height": 480}, locale="zh-CN")
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(kiosk_process.url + "/")
    page.wait_for_selector('body[data-connected="1"]')
    yield page
    ctx.close()
    assert errors == []


def played(page) -> list[tuple[str, str]]:
    # Each play asks the kiosk afresh (?n=...): it decides what may sound now.
    return [(name, src.removeprefix(page.url.rstrip("/")).split("?n=")[0]) for name, src in page.evaluate(PLAYED)]


def wait_played(page, name: str, timeout_ms: float = 20000) -> None:
    # Polled from here: the page's Content-Security-Policy refuses the eval that
    # wait_for_function polls with.
    wait_until(lambda: page.evaluate("n => kioskVoice.log.some(i => i.name === n && i.started !== null)", name),
               timeout_ms / 1000, f"the {name} phrase played")


def test_an_admit_says_its_phrase_and_a_refer_chimes_then_asks_to_wait(screen, kiosk_process):
    assert screen.evaluate("document.querySelector('[data-testid=voice]').tagName") == "AUDIO"
    seq = kiosk_process.next_seq()
    kiosk_process.arrive(code="RES-3", temperature_c=36.6)
    screen.wait_for_selector(f'[data-testid="verdict"][data-seq="{seq}"][data-decision="admit"]', timeout=60000)
    wait_played(screen, "admit")
    assert ("admit", "/audio/admit.wav") in played(screen)

    seq = kiosk_process.next_seq()
    kiosk_process.arrive(code="NOBODY-KNOWS-ME", temperature_c=36.6)     # an unknown code: refer
    screen.wait_for_selector(f'[data-testid="verdict"][data-seq="{seq}"][data-decision="refer"]', timeout=60000)
    wait_played(screen, "wait_volunteer")
    after = played(screen)
    after = after[after.index(("admit", "/audio/admit.wav")) + 1:]
    # The chime sounded first, then the words, each from the kiosk's own audio route.
    assert [n for n, _ in after if n in ("chime-refer", "wait_volunteer")] == ["chime-refer", "wait_volunteer"]
    assert ("chime-refer", "/audio/chime-refer.wav") in after
    assert ("wait_volunteer", "/audio/wait_volunteer.wav") in after


def test_a_fever_is_asked_to_measure_again_then_told_in_words(screen, kiosk_process):
    seq = kiosk_process.next_seq()
    kiosk_process.arrive(code="RES-4", temperature_c=38.6, show_s=3.0)
    screen.wait_for_selector(f'[data-testid="verdict"][data-seq="{seq}"][data-decision="deny"]', timeout=60000)
    wait_played(screen, "deny")
    asked = screen.evaluate("kioskVoice.log.map(i => i.name)")
    # 请重新测温 asked before 体温异常，禁止通行; a fever is never told 禁止通行，请联系工作人员.
    assert "remeasure" in asked and asked.index("remeasure") < asked.index("deny"), asked
    assert "deny_other" not in asked
