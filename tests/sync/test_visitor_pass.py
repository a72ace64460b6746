"""The self-registered visitor's pass (format version 3): round trip, size, forgery."""

from __future__ import annotations

import base45
import pytest
import segno

from sync import passes
from sync.passes import VisitorClaims
from tests.kiosk.passkit import KEY, make_pass, payload

CLAIMS = VisitorClaims("欧***", "410100", contact=False, symptoms=True, invited=True)


def test_round_trip_keeps_the_declaration():
    text = make_pass(role="visitor", visitor=CLAIMS)
    p = passes.parse(text)
    assert p.payload == payload(role="visitor", visitor=CLAIMS)
    assert p.payload.visitor.declares_risk
    assert passes.signature_ok(p, KEY.public_key())


def test_the_answers_cannot_be_changed_without_breaking_the_signature():
    text = make_pass(role="visitor", visitor=VisitorClaims("张*", "410100", contact=True, symptoms=False))
    raw = bytearray(base45.b45decode(text[len(passes.PREFIX):]))
    flags_at = len(raw) - passes.SIGNATURE_LEN - len("张*".encode()) - 1 - 3 - 1
    assert raw[flags_at] == 1
    raw[flags_at] = 0                       # "no contact"
    forged = passes.parse(passes.PREFIX + base45.b45encode(bytes(raw)).decode())
    assert forged.payload.visitor.contact is False
    assert not passes.signature_ok(forged, KEY.public_key())


def test_visitor_pass_fits_qr_version_8_at_level_m():
    # The longest usual fields: a four-character masked name, a long household and site.
    text = make_pass(role="visitor", household="12-3-1201", key_id="p091a520", site="zhengzhou-jinshui-01",
                     visitor=CLAIMS)
    code = segno.make_qr(text, error="m", boost_error=False)
    assert code.mode == "alphanumeric"
    assert code.version == 8


@pytest.mark.parametrize("bad, match", [
    (dict(role="resident"), "only a visitor"),
    (dict(visitor=VisitorClaims("张*", "0123", False, False)), "division code"),
    (dict(visitor=VisitorClaims("张伟伟伟伟", "410100", False, False)), "masked name"),
])
def test_a_declaration_that_cannot_go_into_a_pass_is_refused(bad, match):
    kw = dict(role="visitor", visitor=CLAIMS) | bad
    with pytest.raises(ValueError, match=match):
        make_pass(**kw)


def test_a_worker_pass_and_a_visitor_pass_keep_their_own_versions():
    from sync.passes import Window

    worker = passes.parse(make_pass(role="worker", windows=(Window(0b11111, 32, 72),)))
    visitor = passes.parse(make_pass(role="visitor", visitor=CLAIMS))
    assert (worker.signed_bytes[0], visitor.signed_bytes[0]) == (passes.WINDOWS_VERSION, passes.VISITOR_FORMAT_VERSION)
    assert worker.payload.visitor is None and visitor.payload.windows == ()


UNASKED = VisitorClaims("张*", None, contact=None, symptoms=None)


@pytest.mark.parametrize("claims", [
    UNASKED,
    VisitorClaims("张*", "410100", contact=None, symptoms=None, invited=True),
    VisitorClaims("张*", None, contact=False, symptoms=True),
], ids=["nothing asked", "where from only", "health only"])
def test_a_pass_carries_only_the_answers_asked(claims):
    p = passes.parse(make_pass(role="visitor", visitor=claims))
    assert p.payload.visitor == claims
    assert p.signed_bytes[0] == passes.VISITOR_ASKED_VERSION
    assert passes.signature_ok(p, KEY.public_key())


def test_a_pass_with_every_answer_is_still_version_3_byte_for_byte():
    # Written before answers could be missing: the same bytes, read the same way.
    p = passes.parse(make_pass(role="visitor", visitor=CLAIMS))
    assert p.signed_bytes[0] == passes.VISITOR_FORMAT_VERSION
    assert p.signed_bytes[-len("欧***".encode()) - 5] == 0b110     # symptoms, invited; no "asked" bits
    assert p.payload.visitor.unanswered(("coming_from", "contact", "symptoms")) == ()


def test_missing_answers_are_named_only_when_asked():
    assert UNASKED.unanswered(("name", "phone", "going_to")) == ()
    assert UNASKED.unanswered(("name", "coming_from", "heading_to", "contact", "symptoms")) == (
        "coming_from", "contact", "symptoms")
    assert not UNASKED.declares_risk


def test_a_pass_without_answers_fits_qr_version_8_at_level_m():
    text = make_pass(role="visitor", household="12-3-1201", key_id="p091a520", site="zhengzhou-jinshui-01",
                     visitor=VisitorClaims("欧***", None, None, None, invited=True))
    assert len(text) <= passes.VISITOR_MAX_TEXT_LEN
    assert segno.make_qr(text, error="m", boost_error=False).version <= 8
