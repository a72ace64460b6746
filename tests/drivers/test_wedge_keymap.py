"""Key events from a keyboard wedge back into text, with a fixed US map (drivers/scanner/keymap.py)."""

from __future__ import annotations

import pytest

from drivers.scanner.keymap import KeyTranslator, translate, type_text

D, U, R = 1, 0, 2
LSHIFT, RSHIFT, CAPS, ENTER, KPENTER, LALT, LCTRL = 42, 54, 58, 28, 96, 56, 29


def tap(*codes):
    return [e for c in codes for e in ((c, D), (c, U))]


def shifted(*codes, shift=LSHIFT):
    return [(shift, D), *tap(*codes), (shift, U)]


CASES = [
    ("digits", tap(2, 3, 11, ENTER), ["120"]),
    ("lower case", tap(46, 25, ENTER), ["cp"]),
    ("shift makes capitals and symbols", shifted(46, 25) + tap(2) + shifted(39) + tap(ENTER), ["CP1:"]),
    ("right shift too", shifted(30, shift=RSHIFT) + tap(ENTER), ["A"]),
    ("caps lock inverts letters only", tap(CAPS, 30, 2, CAPS, 30, ENTER), ["A1a"]),
    ("caps lock and shift", tap(CAPS) + shifted(30) + tap(CAPS, ENTER), ["a"]),
    ("keypad digits and keypad enter", tap(79, 80, 82, 83, KPENTER), ["120."]),
    ("autorepeat types again", [(30, D), (30, R), (30, U)] + tap(ENTER), ["aa"]),
    ("two lines", tap(2, ENTER, 3, ENTER), ["1", "2"]),
    ("Enter alone is no code", tap(ENTER, ENTER), []),
    ("a line without Enter is not finished", tap(2, 3), []),
    ("backspace", tap(2, 3, 14, 4, ENTER), ["13"]),
    ("Alt+keypad (a byte above 0x7F) is dropped", [(LALT, D)] + tap(79, 80, 81) + [(LALT, U)] + tap(30, ENTER), ["a"]),
    ("Ctrl combinations are dropped", [(LCTRL, D)] + tap(47) + [(LCTRL, U)] + tap(ENTER), []),
    ("function keys are no characters", tap(59, 2, ENTER), ["1"]),
    ("space and base45 punctuation", shifted(5, 6, 9, 13) + tap(12, 52, 53, 57) + shifted(39) + tap(ENTER),
     ["$%*+-./ :"]),
]


@pytest.mark.parametrize("events,lines", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_key_events_type_the_text_a_us_keyboard_would(events, lines):
    assert translate(events) == lines


def test_keys_that_are_no_character_are_counted():
    t = KeyTranslator()
    for code, value in tap(59, 2) + [(LALT, D)] + tap(79) + [(LALT, U)]:
        t.feed(code, value)
    assert t.dropped == 2


@pytest.mark.parametrize("text", [
    "CP1:NCFOXN%TS3DH3ZSU*VG9MV2-9D.$ +/:",        # base45 survives whole
    "110105194912310025", "RES-0001", "0040856634", "111,27706", "Hello, World! ~`@#^&()_={}[]|\\;'<>?\"",
])
def test_every_printable_ascii_text_survives_a_round_trip(text):
    assert translate(type_text(text)) == [text]


def test_text_above_ascii_does_not_survive_keyboard_mode():
    assert translate(type_text("通行RES-1")) == ["RES-1"]
    assert translate(type_text("通行")) == []
