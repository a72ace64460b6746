"""Chinese resident ID numbers: GB 11643 check digit, mask, keyed hash."""

from __future__ import annotations

import pytest

from kiosk import credentials
from sync import idnumber
from sync.idnumber import IdNumberError
from tests.kiosk.passkit import NOW, SECRET, registry


@pytest.mark.parametrize("text, normalised", [
    ("11010519491231002X", "11010519491231002X"),      # the standard's own example
    ("11010519491231002x", "11010519491231002X"),
    (" 440304199001010011 ", "440304199001010011"),
    ("1101 0120 0001 0112 32", "110101200001011232"),
])
def test_valid_numbers(text, normalised):
    assert idnumber.parse(text).number == normalised


@pytest.mark.parametrize("text, why", [
    ("110105194912310021", "check digit"),     # X expected
    ("440304199001010012", "check digit"),
    ("11010519491331002X", "not a date"),      # month 13
    ("11010518991231002X", "before 1900"),
    ("01010519491231002X", "17 digits"),       # leading zero
    ("1101051949123100", "17 digits"),
    ("11010519491231002Y", "17 digits"),
    ("", "17 digits"),
])
def test_invalid_numbers(text, why):
    with pytest.raises(IdNumberError, match=why):
        idnumber.parse(text)


def test_mask_hides_the_birth_date():
    assert idnumber.mask("11010519491231002X") == "110105********002X"


def test_keyed_hash_depends_on_the_kiosk_secret():
    n = idnumber.parse("11010519491231002X")
    assert n.keyed_hash(b"a" * 32) != n.keyed_hash(b"b" * 32)
    assert n.keyed_hash(b"a" * 32) == n.keyed_hash(b"a" * 32)


def test_journal_record_never_holds_the_number():
    a = credentials.assess(credentials.parse("11010519491231002X"), registry(), NOW, SECRET)
    assert "19491231" not in repr(a.record)
    assert a.record["masked"] == "110105********002X" and len(a.record["hash"]) == 64
    assert a.problems == ("id_number_unverified",)


def test_mistyped_number_asks_to_retype():
    a = credentials.assess(credentials.parse("110105194912310021"), registry(), NOW, SECRET)
    assert a.problems == ("invalid_id_number",)
    assert a.record == {"kind": "malformed", "code_type": "QRCODE"}


@pytest.mark.parametrize("text, found", [
    ("张伟 11010519491231002X 住3-2-501", ["11010519491231002X"]),
    ("身份证:440304199001010011", ["440304199001010011"]),
    ("11010519491231002x", ["11010519491231002X"]),
    ("13800000001", []),                                    # a phone number
    ("110105194912310021", []),                             # wrong check digit: not an ID number
    ("911010519491231002X", []),                            # part of a longer number
    ("110105194912310020X", []),
    ("", []),
    ("a 440304199001010011 and 11010519491231002X", ["440304199001010011", "11010519491231002X"]),
])
def test_id_numbers_found_in_text(text, found):
    assert idnumber.find_in_text(text) == found
