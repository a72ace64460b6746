"""Anything shown to the camera or typed reaches these parsers: arbitrary bytes and
strings must come back as a result or the parser's own error, never anything else."""

from __future__ import annotations

import json

import base45
from hypothesis import HealthCheck, given, settings, strategies as st

from kiosk import credentials, visitors
from kiosk.policy import decide
from kiosk.registry import Registry, RegistryError
from kiosk.temperature import TemperatureResult
from sync import idnumber, passes
from sync.entry import canonical
from tests.kiosk.passkit import NOW, SECRET, make_pass, registry

REG = registry(known_codes={"RES-1": {"household": "1-1-1"}})
GOOD = make_pass()
texts = st.one_of(
    st.text(),
    st.binary().map(lambda b: b.decode("utf-8", "surrogateescape")),
    st.binary().map(lambda b: b.decode("latin-1")),
    st.binary(max_size=140).map(lambda b: "CP1:" + base45.b45encode(b).decode()),
    st.binary(max_size=40).map(lambda b: "CPV1:" + base45.b45encode(b).decode()),
    st.text(alphabet="0123456789X", min_size=17, max_size=19),
    st.tuples(st.integers(0, len(GOOD) - 1), st.characters()).map(lambda t: GOOD[:t[0]] + t[1] + GOOD[t[0] + 1:]),
)
FAST = settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)


@FAST
@given(texts)
def test_credential_parse_and_assess_never_raise(text):
    cred = credentials.parse(text)
    a = credentials.assess(cred, REG, NOW, SECRET, site="demo-site")
    d = decide(a, TemperatureResult("ok", 36.5), direction="in", now=NOW, site=REG.rules)
    assert d.decision in ("admit", "deny", "refer")
    if d.decision == "admit":
        assert text in (GOOD, "RES-1")
    # Whatever the journal is given must serialise, and never holds the raw text of a code.
    canonical({"credential": a.record, "reasons": list(d.reasons)})
    if cred.kind in ("code", "id_number") and len(text) > 6:
        assert text not in json.dumps(a.record, ensure_ascii=False)


@FAST
@given(texts)
def test_pass_parser_raises_only_its_own_error(text):
    try:
        passes.parse(text)
    except passes.PassFormatError:
        pass


@FAST
@given(texts)
def test_id_number_parser_raises_only_its_own_error(text):
    try:
        n = idnumber.parse(text)
    except idnumber.IdNumberError:
        return
    assert idnumber.check_digit(n.number[:17]) == n.number[17]


@FAST
@given(texts)
def test_day_pass_parser_raises_only_its_own_error(text):
    try:
        visitors.parse_day_pass(text, SECRET)
    except visitors.VisitorError:
        pass


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20)
registry_keys = st.sampled_from(["version", "issued_at", "site", "trusted_keys", "revoked", "quarantine",
                                 "known_codes", "holders", "rules"])


@FAST
@given(st.one_of(json_values, st.dictionaries(registry_keys, json_values, max_size=6)))
def test_registry_from_dict_raises_only_registry_error(data):
    try:
        r = Registry.from_dict(data)
    except RegistryError:
        return
    Registry.from_dict(json.loads(json.dumps(r.to_dict())))


@FAST
@given(st.dictionaries(st.sampled_from(["name", "phone", "coming_from", "going_to", "contact", "symptoms", "x"]),
                       json_values, max_size=7))
def test_visitor_answers_raise_only_visitor_error(data):
    try:
        visitors.VisitorAnswers.parse(data)
    except visitors.VisitorError:
        pass
