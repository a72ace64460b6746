import time

import pytest

from kiosk.handheld import HandheldError, HandheldReadings, parse_celsius


@pytest.mark.parametrize("text, want", [
    ("36.5", 36.5), (" 37,2 ", 37.2), ("36", 36.0), ("38.46", 38.5), ("36，8", 36.8),
])
def test_parse_accepts(text, want):
    assert parse_celsius(text) == want


@pytest.mark.parametrize("text, reason", [
    ("", "not_a_number"), ("abc", "not_a_number"), ("365", "out_of_range"), ("29.9", "out_of_range"),
    ("nan", "out_of_range"), ("-36", "out_of_range"),
])
def test_parse_refuses(text, reason):
    with pytest.raises(HandheldError) as exc:
        parse_celsius(text)
    assert exc.value.reason == reason


def test_a_reading_serves_one_person_and_expires():
    r = HandheldReadings(valid_s=0.3)
    r.put(36.6, "li")
    got = r.take(time.monotonic())
    assert got is not None and got.value_c == 36.6 and got.operator == "li"
    assert got.result().status == "ok"
    assert r.take(time.monotonic()) is None           # used up
    r.put(36.7, "li")
    assert r.take(time.monotonic() + 1.0) is None     # too old for that scan
