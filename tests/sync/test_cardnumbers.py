"""Card numbers in every vendor format, into one canonical form (sync/cardnumbers.py)."""

from __future__ import annotations

import pytest

from sync.cardnumbers import CardFormatError, mask, normalise, tails

# One card, 0x12026F6C3A, as each kind of reader types it.
CASES = [
    ("hex10", "12026f6c3a", "12026F6C3A"),
    ("hex10", " 12026F6C3A ", "12026F6C3A"),
    ("hex8", "026F6C3A", "026F6C3A"),
    ("dec10", "0040856634", "026F6C3A"),
    ("dec10", "4294967295", "FFFFFFFF"),
    ("dec8", "07302202", "6F6C3A"),
    ("wiegand26", "111,27706", "6F6C3A"),
    ("wiegand26", "0,1", "000001"),
]


@pytest.mark.parametrize("fmt,typed,canonical", CASES)
def test_each_vendor_format_becomes_the_canonical_form(fmt, typed, canonical):
    assert normalise(typed, fmt) == canonical


def test_every_reader_s_form_of_one_card_is_one_of_its_published_forms():
    card = normalise("12026F6C3A", "hex10")
    assert tails(card) == ["6F6C3A", "026F6C3A", "12026F6C3A"]
    one_card = [(f, t) for f, t, _ in CASES if t != "4294967295" and t != "0,1"]
    assert {normalise(t, f) for f, t in one_card} == set(tails(card))


@pytest.mark.parametrize("fmt,typed,message", [
    ("hex10", "12026F6C3", "10 hex digits"),
    ("hex10", "12026F6C3G", "10 hex digits"),
    ("dec10", "4294967296", "up to 4294967295"),
    ("dec10", "004085663", "10 decimal digits"),
    ("dec8", "16777216", "up to 16777215"),
    ("wiegand26", "256,1", "0-255 and 0-65535"),
    ("wiegand26", "111;27706", "facility,card"),
    ("wiegand26", "111,65536", "0-65535"),
    ("mifare", "026F6C3A", "unknown card format"),
])
def test_what_a_format_cannot_be_is_refused_with_what_was_expected(fmt, typed, message):
    with pytest.raises(CardFormatError, match=message):
        normalise(typed, fmt)


def test_the_masked_form_hides_the_middle():
    assert mask("026F6C3A") == "****6C3A"
    assert mask("12026F6C3A") == "******6C3A"
    assert mask("6F6C3A") == "****3A"
