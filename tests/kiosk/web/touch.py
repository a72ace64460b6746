"""What a gloved finger checks on the touchscreen, shared by the browser tests: every
control it can reach at least 56x56 CSS px, and keys tapped on the page's own pads."""

from __future__ import annotations

from tests.kiosk.web.kiosk_process import PIN

TOUCH_PX = 56
CONTROLS = "button, a[href], input:not([type=hidden]), select, textarea, [role=button]"


def small_controls(page) -> list[dict]:
    """Every control a finger can reach now (under an open dialog, only the top one's)
    whose box is under 56 px either way."""
    return page.evaluate("""([sel, min]) => {
        const top = [...document.querySelectorAll('dialog[open]')].pop();
        return [...document.querySelectorAll(sel)]
            .filter(e => e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}))
            .filter(e => !top || top.contains(e))
            .map(e => { const r = e.getBoundingClientRect();
                        return {what: e.dataset.testid || e.outerHTML.slice(0, 80), w: r.width, h: r.height}; })
            .filter(b => b.w < min || b.h < min); }""", [CONTROLS, TOUCH_PX])


def controls_seen(page) -> int:
    return page.evaluate("sel => [...document.querySelectorAll(sel)].filter(e => e.checkVisibility()).length", CONTROLS)


def assert_touch_sized(page, where: str) -> None:
    assert controls_seen(page) > 0, where
    assert small_controls(page) == [], where


def tap_keys(page, pad: str, keys: str) -> None:
    for k in keys:
        page.click(f'[data-testid="{pad}"] [data-key="{k}"]')


def tap_pin(page) -> None:
    page.wait_for_selector('[data-testid="pin-dialog"][open]')
    assert_touch_sized(page, "PIN")
    tap_keys(page, "pin-pad", PIN)
    assert page.input_value('[data-testid="pin-input"]') == PIN
    page.click('[data-testid="pin-ok"]')
