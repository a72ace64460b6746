"""The signed pass format: round trip, size, and forgeries that must never verify."""

from __future__ import annotations

from datetime import timedelta

import base45
import pytest
import segno

from kiosk import credentials
from sync import passes
from sync.passes import PassFormatError
from tests.kiosk.passkit import KEY, NOW, OTHER_KEY, SECRET, make_pass, payload, registry


def check(text: str, reg=None, now=NOW):
    return credentials.assess(credentials.parse(text), reg or registry(), now, SECRET, site="demo-site")


def test_round_trip_keeps_every_field():
    text = make_pass()
    p = passes.parse(text)
    assert p.payload == payload()
    assert text.startswith("CP1:")
    assert passes.signature_ok(p, KEY.public_key())


def test_resident_pass_fits_qr_version_7_at_level_m():
    text = make_pass(household="12-3-1201", key_id="p091a520")
    code = segno.make_qr(text, error="m", boost_error=False)
    assert code.mode == "alphanumeric"
    assert code.version <= 7


WEEKDAYS = passes.parse_windows("Mon-Fri 08:00-18:00")


def test_a_worker_pass_keeps_its_windows_and_signature():
    text = make_pass(role="worker", windows=WEEKDAYS)
    p = passes.parse(text)
    assert p.payload == payload(role="worker", windows=WEEKDAYS)
    assert passes.signature_ok(p, KEY.public_key())


@pytest.mark.parametrize("fields,windows", [
    ({"household": "12-3-1201", "key_id": "p091a520"}, "Mon-Fri 08:00-18:00"),
    ({"household": "3-2-501", "key_id": "demo-1"}, "Mon-Fri 07:00-12:00; Sat 09:00-12:00"),
])
def test_a_worker_pass_fits_qr_version_7_at_level_m(fields, windows):
    text = make_pass(role="worker", windows=passes.parse_windows(windows), **fields)
    code = segno.make_qr(text, error="m", boost_error=False)
    assert code.mode == "alphanumeric"
    assert code.version <= 7


def test_windows_beyond_what_the_qr_holds_are_refused_when_signing():
    many = passes.parse_windows("Mon 07:00-08:00; Tue 07:00-08:00; Wed 07:00-08:00; Thu 07:00-08:00")
    with pytest.raises(ValueError, match="QR version 7"):
        make_pass(role="worker", windows=many, household="12-3-1201", key_id="p091a520")


@pytest.mark.parametrize("text,windows", [
    ("Mon-Fri 08:00-18:00", ["Mon-Fri 08:00-18:00"]),
    ("sat,sun 09:00-12:00", ["Sat-Sun 09:00-12:00"]),
    ("Fri-Mon 22:00-24:00", ["Mon,Fri-Sun 22:00-24:00"]),        # a run across the week's end
    ("Mon 00:00-24:00; Wed 06:15-06:45", ["Mon 00:00-24:00", "Wed 06:15-06:45"]),
])
def test_windows_are_written_as_people_write_them(text, windows):
    assert [str(w) for w in passes.parse_windows(text)] == windows


@pytest.mark.parametrize("text,message", [
    ("Mon-Fri 8-18", "like 'Mon-Fri 08:00-18:00'"),
    ("Mon-Fry 08:00-18:00", "days are Mon"),
    ("Mon 08:10-18:00", "quarter hour"),
    ("Mon 18:00-08:00", "end must be after the start"),
    ("Mon 08:00-09:00;" * 5, "at most 4 windows"),
])
def test_bad_windows_say_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        passes.parse_windows(text)


def test_a_pass_too_big_for_the_qr_is_refused_when_signing():
    with pytest.raises(ValueError, match="QR version 7"):
        make_pass(site="a-very-long-community-name-that-goes-on")


def test_good_pass_is_admitted_by_its_checks():
    a = check(make_pass())
    assert (a.signature, a.dates, a.registry, a.problems) == ("ok", "ok", "ok", ())
    assert a.record == {"kind": "pass", "pass_id": "00112233aabbccdd", "key_id": "k1",
                        "household": "3-2-501", "role": "resident", "valid_until": "2026-04-01T04:00:00Z"}


def test_a_day_pass_entry_carries_its_end_in_utc():
    from kiosk.visitors import make_day_pass

    day = make_day_pass(SECRET, "0011223344556677", int((NOW + timedelta(hours=8)).timestamp()))
    a = check(day.text)
    assert a.record["valid_until"] == "2026-03-02T12:00:00Z"


def _flip(text: str, byte_index: int, bit: int) -> str:
    raw = bytearray(base45.b45decode(text[4:]))
    raw[byte_index] ^= 1 << bit
    return "CP1:" + base45.b45encode(bytes(raw)).decode()


def test_every_single_bit_flip_in_payload_or_signature_is_rejected():
    text = make_pass()
    n = len(base45.b45decode(text[4:]))
    sig_start = n - passes.SIGNATURE_LEN
    for i in range(n):
        for bit in range(8):
            a = check(_flip(text, i, bit))
            assert a.problems, (i, bit)
            assert a.signature != "ok", (i, bit)
            if i >= sig_start:      # the payload is intact: only the signature can catch it
                assert a.problems == ("bad_signature",), (i, bit)


def test_bit_flips_in_the_payload_break_the_signature_not_only_the_format():
    text = make_pass()
    # Byte 20 is inside the pass id: the payload still parses, only the signature can tell.
    a = check(_flip(text, 20, 0))
    assert a.signature == "bad" and a.problems == ("bad_signature",)


def test_signature_by_an_unknown_key_is_rejected():
    a = check(make_pass(OTHER_KEY, key_id="k9"))
    assert a.problems == ("unknown_key",) and a.signature == "unknown_key"


def test_signature_by_another_key_under_a_trusted_key_id_is_bad():
    a = check(make_pass(OTHER_KEY, key_id="k1"))
    assert a.problems == ("bad_signature",)


def test_rotated_key_both_ids_verify():
    from sync.passes import public_key_b64

    reg = registry(trusted_keys={"k1": public_key_b64(KEY), "k2": public_key_b64(OTHER_KEY)})
    assert check(make_pass(OTHER_KEY, key_id="k2"), reg).problems == ()
    assert check(make_pass(KEY, key_id="k1"), reg).problems == ()


def test_expired_pass():
    a = check(make_pass(), now=NOW + timedelta(days=31))
    assert a.dates == "expired" and a.problems == ("expired",)


def test_pass_not_yet_valid():
    a = check(make_pass(not_before=int((NOW + timedelta(hours=1)).timestamp())))
    assert a.dates == "not_yet_valid" and a.problems == ("not_yet_valid",)


def test_revoked_pass():
    a = check(make_pass(), registry(revoked=["00112233aabbccdd"]))
    assert a.registry == "revoked" and "revoked" in a.problems


def test_pass_for_another_site():
    assert "wrong_site" in check(make_pass(site="other-site")).problems


@pytest.mark.parametrize("text, reason", [
    ("CP1:", "malformed_pass"),
    ("CP1:abc", "malformed_pass"),          # lower case is not base45
    ("CP1:" + "0" * 200, "malformed_pass"),  # longer than any pass
    ("CP1:" + base45.b45encode(b"\x01" * 70).decode(), "malformed_pass"),
    ("CP1:" + base45.b45encode(b"\x03" + b"\x00" * 120).decode(), "malformed_pass"),  # format version 3
])
def test_malformed_passes(text, reason):
    with pytest.raises(PassFormatError) as exc:
        passes.parse(text)
    assert exc.value.reason == reason
    assert check(text).problems == (reason,)


@pytest.mark.parametrize("field, value", [
    ("role", "mayor"), ("household", "3/2/501"), ("pass_id", "xyz"), ("key_id", ""), ("site", "a b"),
    ("expires", 0),
])
def test_payload_fields_are_checked_before_signing(field, value):
    with pytest.raises(ValueError):
        make_pass(**{field: value})


def test_the_holder_is_named_only_masked_and_only_on_a_genuine_pass():
    reg = registry(holders={"00112233aabbccdd": "张伟"},
                   known_codes={"RES-9": {"household": "3-2-502", "name": "欧阳娜娜"}, "RES-8": {}})
    assert check(make_pass(), reg).record["name_masked"] == "张*"
    assert "name_masked" not in check(make_pass(OTHER_KEY, key_id="k1"), reg).record
    assert check("RES-9", reg).record["name_masked"] == "欧***"
    assert "name_masked" not in check("RES-8", reg).record
    assert "张伟" not in str(check(make_pass(), reg).record)


@pytest.mark.parametrize("name, masked", [("张伟", "张*"), ("王", "王*"), ("  李娜 ", "李*"), ("", None), (None, None)])
def test_mask_name(name, masked):
    assert credentials.mask_name(name) == masked


def test_a_self_registered_visitors_entry_carries_the_declaration_from_the_pass():
    from sync.passes import VisitorClaims

    a = check(make_pass(role="visitor", visitor=VisitorClaims("张*", "410100", contact=False, symptoms=False)))
    assert a.record["name_masked"] == "张*"
    assert a.visitor_record() == {"self_registered": True, "name_masked": "张*", "origin": "410100",
                                  "origin_name": "河南省 郑州市", "contact": False, "symptoms": False,
                                  "invited": False}
