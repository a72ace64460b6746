"""Every rule of the policy, as a table: what is shown, how warm, which way -> decision."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from kiosk import credentials, i18n
from kiosk.policy import Decision, PolicyRules, Remeasure, decide
from kiosk.temperature import TemperatureResult
from kiosk.visitors import VisitorAnswers, VisitorBook
from sync import passes
from sync.cards import forms, keyed_digest, registry_cards
from sync.passes import VisitorClaims
from sync.vocabulary import OTHER_REASONS, SEVERITY
from tests.kiosk.passkit import NOW, OTHER_KEY, SECRET, make_pass, registry

OK = TemperatureResult("ok", 36.6)
FEVER = TemperatureResult("ok", 38.1)
AT_LIMIT = TemperatureResult("ok", 37.3)
JUST_BELOW = TemperatureResult("ok", 37.2)
MISREAD = TemperatureResult("misread", 31.0)
NONE = TemperatureResult("none")
DECLARED = VisitorClaims("张*", "410100", contact=False, symptoms=False)
CONTACT = VisitorClaims("张*", "410100", contact=True, symptoms=False)
SYMPTOMS = VisitorClaims("张*", "410100", contact=False, symptoms=True)
INVITED = VisitorClaims("张*", "410100", contact=False, symptoms=False, invited=True)
ADMIT_SELF = {"rules": {"self_registered_visitors": "admit"}}
# Registered on the phone while screening was off: no health answers on the pass.
UNSCREENED = VisitorClaims("张*", None, contact=None, symptoms=None)


def site_rules(mode: str, **rules) -> dict:
    return {"rules": {"screening": {"mode": mode}, **rules}}
QUARANTINE = [{"household": "3-2-501", "from": "2026-02-20", "to": "2026-03-05"}]
RECORD, OFF = PolicyRules(screening="record"), PolicyRules(screening="off")
ONE_DAY = [{"household": "3-2-501", "from": "2026-03-03", "to": "2026-03-03"}]
WEEKDAYS = passes.parse_windows("Mon-Fri 08:00-18:00")
CARD_KEY = "c2l0ZS1jYXJkLWtleS1mb3ItdGhlLXBvbGljeS10ZXN0"


def id_numbers(*numbers: str) -> dict:
    """Registry content where the site publishes residents' ID numbers, keyed-hashed."""
    return {"id_key": CARD_KEY, "id_numbers": {keyed_digest(CARD_KEY, "id:", n): {"household": "3-2-501"}
                                               for n in numbers}}


def cards(*bound: dict) -> dict:
    """Registry content binding cards to households, as the console publishes it."""
    return {"card_key": CARD_KEY, "cards": registry_cards([
        {"household": "3-2-501", "role": "resident", "revoked": False, **c, "forms": forms(CARD_KEY, c["number"])}
        for c in bound])}


@dataclass
class Case:
    text: str
    temp: TemperatureResult = OK
    direction: str = "in"
    reg: dict = field(default_factory=dict)
    rules: PolicyRules = PolicyRules()
    inside: bool = False
    remeasured: bool = True
    hours: dict | None = None
    now_shift: timedelta = timedelta(0)
    code_type: str = "QRCODE"


def card(number: str, **kw) -> Case:
    return Case(number, code_type=credentials.CARD, **kw)


CASES = {
    # name: (case, decision, reasons, alert)
    "resident pass, normal temperature": (Case(make_pass()), "admit", (), False),
    "fever, first reading: measure again": (Case(make_pass(), FEVER, remeasured=False), "remeasure", ("fever",), False),
    "fever after the re-measure": (Case(make_pass(), FEVER), "deny", ("fever",), True),
    "fever at exactly the threshold": (Case(make_pass(), AT_LIMIT), "deny", ("fever",), True),
    "just below the threshold": (Case(make_pass(), JUST_BELOW), "admit", (), False),
    "threshold is configurable": (Case(make_pass(), JUST_BELOW, rules=PolicyRules(fever_c=37.0)), "deny", ("fever",), True),
    "re-measure can be switched off": (Case(make_pass(), FEVER, rules=PolicyRules(remeasure=False), remeasured=False),
                                       "deny", ("fever",), True),
    "misread, first: measure again": (Case(make_pass(), MISREAD, remeasured=False), "remeasure",
                                      ("misread_temperature",), False),
    "misread twice": (Case(make_pass(), MISREAD), "refer", ("misread_temperature",), False),
    "no temperature": (Case(make_pass(), NONE), "refer", ("no_temperature",), False),
    "revoked": (Case(make_pass(), reg={"revoked": ["00112233aabbccdd"]}), "deny", ("revoked",), False),
    "revoked with fever: no re-measure needed": (Case(make_pass(), FEVER, reg={"revoked": ["00112233aabbccdd"]},
                                                      remeasured=False), "deny", ("revoked", "fever"), True),
    "expired": (Case(make_pass(), now_shift=timedelta(days=40)), "deny", ("expired",), False),
    "not yet valid": (Case(make_pass(not_before=int((NOW + timedelta(days=1)).timestamp()))),
                      "deny", ("not_yet_valid",), False),
    "bad signature": (Case(make_pass(OTHER_KEY)), "deny", ("bad_signature",), False),
    "unknown key": (Case(make_pass(OTHER_KEY, key_id="k7")), "deny", ("unknown_key",), False),
    "damaged pass": (Case("CP1:0000"), "deny", ("malformed_pass",), False),
    "unknown plain code": (Case("UNKNOWN-7731"), "refer", ("unknown_code",), False),
    "unknown plain code with fever": (Case("UNKNOWN-7731", FEVER), "deny", ("fever", "unknown_code"), True),
    "known plain code": (Case("STAFF-0042", reg={"known_codes": {"STAFF-0042": {"role": "staff"}}}), "admit", (), False),
    "quarantined household leaving": (Case(make_pass(), direction="out", reg={"quarantine": QUARANTINE}),
                                      "deny", ("quarantine_exit",), True),
    "quarantined household coming home": (Case(make_pass(), direction="in", reg={"quarantine": QUARANTINE}),
                                          "admit", ("quarantine_return",), False),
    "quarantine over": (Case(make_pass(), direction="out", reg={"quarantine": QUARANTINE},
                             now_shift=timedelta(days=4)), "admit", (), False),
    # NOW is 12:00 in Shanghai; +16.5 h is 04:30 on 3 March there and still 2 March in UTC.
    "quarantine begins at the site's midnight": (Case(make_pass(), direction="out", reg={"quarantine": ONE_DAY},
                                                      now_shift=timedelta(hours=16.5)), "deny", ("quarantine_exit",), True),
    "plain code's quarantine begins at the site's midnight": (
        Case("RES-1", direction="out", now_shift=timedelta(hours=16.5),
             reg={"known_codes": {"RES-1": {"household": "3-2-501"}}, "quarantine": ONE_DAY}),
        "deny", ("quarantine_exit",), True),
    "quarantine ends at the site's midnight": (Case(make_pass(), direction="out", reg={"quarantine": ONE_DAY},
                                                    now_shift=timedelta(hours=40.5)), "admit", (), False),
    "quarantined person by pass id": (Case(make_pass(household="9-9-9"), direction="out", reg={"quarantine": [
        {"pass_id": "00112233aabbccdd", "from": "2026-03-01", "to": "2026-03-14"}]}), "deny", ("quarantine_exit",), True),
    "quarantined plain code leaving": (Case("RES-1", direction="out", reg={
        "known_codes": {"RES-1": {"household": "3-2-501"}}, "quarantine": QUARANTINE}), "deny", ("quarantine_exit",), True),
    "forged pass cannot claim quarantine return": (Case(make_pass(OTHER_KEY), reg={"quarantine": QUARANTINE}),
                                                   "deny", ("bad_signature",), False),
    "passback (default: refer)": (Case(make_pass(), inside=True), "refer", ("passback",), False),
    "passback set to deny": (Case(make_pass(), inside=True, rules=PolicyRules(anti_passback="deny")),
                             "deny", ("passback",), False),
    "passback off": (Case(make_pass(), inside=True, rules=PolicyRules(anti_passback="off")), "admit", (), False),
    "passback only counts going in": (Case(make_pass(), direction="out", inside=True), "admit", (), False),
    "visitor pass, not registered": (Case(make_pass(role="visitor")), "refer", ("visitor_unregistered",), False),
    "self-registered visitor (default: refer)": (Case(make_pass(role="visitor", visitor=DECLARED)), "refer",
                                                 ("visitor_self_registered",), False),
    "self-registered visitor, site admits": (Case(make_pass(role="visitor", visitor=DECLARED), reg=ADMIT_SELF),
                                             "admit", (), False),
    "self-registered visitor declared contact": (Case(make_pass(role="visitor", visitor=CONTACT), reg=ADMIT_SELF),
                                                 "deny", ("visitor_declared_risk",), False),
    "self-registered visitor declared symptoms": (Case(make_pass(role="visitor", visitor=SYMPTOMS)),
                                                  "deny", ("visitor_declared_risk",), False),
    "phone pass without answers, screening off, site admits": (
        Case(make_pass(role="visitor", visitor=UNSCREENED), reg=site_rules("off", self_registered_visitors="admit")),
        "admit", (), False),
    "phone pass without answers, screening off (default: refer)": (
        Case(make_pass(role="visitor", visitor=UNSCREENED), reg=site_rules("off")),
        "refer", ("visitor_self_registered",), False),
    "phone pass without answers once screening is enforced": (
        Case(make_pass(role="visitor", visitor=UNSCREENED),
             reg=site_rules("enforce", self_registered_visitors="admit")),
        "refer", ("visitor_unscreened",), False),
    "phone pass without answers once screening records": (
        Case(make_pass(role="visitor", visitor=UNSCREENED),
             reg=site_rules("record", self_registered_visitors="admit")),
        "refer", ("visitor_unscreened",), False),
    "phone pass without answers where the office asks none while screening": (
        Case(make_pass(role="visitor", visitor=UNSCREENED), reg=site_rules(
            "enforce", self_registered_visitors="admit",
            visitor_questions={"version": 2, "screening": ["heading_to"]})),
        "admit", (), False),
    "invited visitor, site admits invitations": (Case(make_pass(role="visitor", visitor=INVITED),
                                                      reg={"rules": {"invited_visitors": "admit"}}), "admit", (), False),
    "invited visitor follows the invitation rule": (Case(make_pass(role="visitor", visitor=INVITED), reg=ADMIT_SELF),
                                                    "refer", ("visitor_self_registered",), False),
    "self-registered visitor's pass expired": (Case(make_pass(role="visitor", visitor=DECLARED), reg=ADMIT_SELF,
                                                    now_shift=timedelta(days=40)), "deny", ("expired",), False),
    "self-registered visitor at another site": (Case(make_pass(role="visitor", visitor=DECLARED, site="other-site"),
                                                     reg=ADMIT_SELF), "deny", ("wrong_site",), False),
    "outside allowed hours": (Case(make_pass(role="staff"), hours={"staff": ("06:00", "09:00")}),
                              "deny", ("outside_hours",), False),
    "inside allowed hours": (Case(make_pass(role="staff"), hours={"staff": ("06:00", "22:00")}), "admit", (), False),
    "hours wrap past midnight": (Case(make_pass(), hours={"resident": ("22:00", "13:00")}), "admit", (), False),
    # Screening mode, an input like the rest (sync/screening.py).
    "enforce: a fever is denied, as always": (Case(make_pass(), FEVER, rules=PolicyRules(screening="enforce")),
                                              "deny", ("fever",), True),
    "record: a fever admits, marked, with an alert": (Case(make_pass(), FEVER, rules=RECORD, remeasured=False),
                                                      "admit", ("fever_recorded",), True),
    "record: no reading admits, marked": (Case(make_pass(), NONE, rules=RECORD, remeasured=False),
                                          "admit", ("no_temperature_recorded",), False),
    "record: a misread is no reading": (Case(make_pass(), MISREAD, rules=RECORD, remeasured=False),
                                        "admit", ("no_temperature_recorded",), False),
    "record: a normal reading admits unmarked": (Case(make_pass(), OK, rules=RECORD), "admit", (), False),
    "record: a revoked pass with a fever is denied and alerts": (
        Case(make_pass(), FEVER, rules=RECORD, reg={"revoked": ["00112233aabbccdd"]}),
        "deny", ("revoked", "fever_recorded"), True),
    "off: no reading admits": (Case(make_pass(), NONE, rules=OFF, remeasured=False), "admit", (), False),
    "off: a fever is only recorded": (Case(make_pass(), FEVER, rules=OFF, remeasured=False), "admit", (), False),
    "off: the rest of the rules still hold": (Case(make_pass(), NONE, rules=OFF, direction="out",
                                                   reg={"quarantine": QUARANTINE}), "deny", ("quarantine_exit",), True),
    "ID number typed by a volunteer": (Case("11010519491231002X"), "refer", ("id_number_unverified",), False),
    "mistyped ID number": (Case("110105194912310021"), "refer", ("invalid_id_number",), False),
    "ID card of a resident the site publishes": (Case("11010519491231002X", code_type=credentials.IDCARD,
                                                      reg=id_numbers("11010519491231002X")), "admit", (), False),
    "ID card of a quarantined resident leaving": (
        Case("11010519491231002X", code_type=credentials.IDCARD, direction="out",
             reg={**id_numbers("11010519491231002X"), "quarantine": QUARANTINE}), "deny", ("quarantine_exit",), True),
    "ID card nobody published": (Case("11010519491231002X", code_type=credentials.IDCARD,
                                      reg=id_numbers("110101199003074477")), "refer", ("id_number_unverified",), False),
    "an ID card reader's garbled number": (Case("11010519491231002", code_type=credentials.IDCARD), "refer",
                                           ("invalid_id_number",), False),
    # NOW is Monday 2 March 2026, 12:00 in Shanghai (04:00 UTC).
    "worker pass inside its window": (Case(make_pass(role="worker", windows=WEEKDAYS)), "admit", (), False),
    "worker pass after its window": (Case(make_pass(role="worker", windows=WEEKDAYS), now_shift=timedelta(hours=7)),
                                     "deny", ("outside_hours",), False),
    "worker pass at the weekend": (Case(make_pass(role="worker", windows=WEEKDAYS), now_shift=timedelta(days=5)),
                                   "deny", ("outside_hours",), False),
    # 00:30 UTC Tuesday is 08:30 in Shanghai: the window is the site's, not UTC's.
    "worker window in the site's time zone": (Case(make_pass(role="worker", windows=WEEKDAYS),
                                                   now_shift=timedelta(hours=20.5)), "admit", (), False),
    "worker pass past its end date": (Case(make_pass(role="worker", windows=WEEKDAYS), now_shift=timedelta(days=40)),
                                      "deny", ("expired", "outside_hours"), False),
    "known access card": (card("026F6C3A", reg=cards({"number": "026F6C3A"})), "admit", (), False),
    "known card through a narrower reader": (card("6F6C3A", reg=cards({"number": "12026F6C3A"})), "admit", (), False),
    "unknown access card": (card("026F6C3B", reg=cards({"number": "026F6C3A"})), "refer", ("unknown_card",), False),
    "card with no cards published": (card("026F6C3A"), "refer", ("unknown_card",), False),
    "revoked (lost) card": (card("026F6C3A", reg=cards({"number": "026F6C3A", "revoked": True})),
                            "deny", ("revoked",), False),
    "card of a quarantined household leaving": (
        card("026F6C3A", direction="out", reg={**cards({"number": "026F6C3A"}), "quarantine": QUARANTINE}),
        "deny", ("quarantine_exit",), True),
    "card passback": (card("026F6C3A", inside=True, reg=cards({"number": "026F6C3A"})), "refer", ("passback",), False),
    "card outside its role's hours": (card("026F6C3A", reg=cards({"number": "026F6C3A", "role": "staff"}),
                                           hours={"staff": ("06:00", "09:00")}), "deny", ("outside_hours",), False),
    "two cards sharing a short form: refer": (
        card("6F6C3A", reg=cards({"number": "026F6C3A"}, {"number": "AA6F6C3A", "household": "1-1-101"})),
        "refer", ("unknown_card",), False),
    "a card number is never read as a pass or ID number": (
        card("11010519491231002X"), "refer", ("unknown_card",), False),
}


@pytest.mark.parametrize("name", list(CASES))
def test_rule(name):
    case, decision, reasons, alert = CASES[name]
    reg = registry(**case.reg, **({"rules": {"hours": case.hours}} if case.hours else {}))
    now = NOW + case.now_shift
    a = credentials.assess(credentials.parse(case.text, case.code_type), reg, now, SECRET, site="demo-site")
    d = decide(a, case.temp, direction=case.direction, now=now, rules=case.rules, site=reg.rules,
               inside_already=case.inside, remeasured=case.remeasured)
    if isinstance(d, Remeasure):
        assert ("remeasure", d.reasons, False) == (decision, reasons, alert)
    else:
        assert (d.decision, d.reasons, d.alert) == (decision, reasons, alert)


def test_remeasure_is_no_decision_an_entry_could_carry():
    with pytest.raises(ValueError, match="'remeasure' is not one of admit, deny, refer"):
        Decision("remeasure", ("fever",))


def test_every_rule_has_a_row():
    tested = {r for _, _, reasons, _ in CASES.values() for r in reasons}
    untested = set(SEVERITY) - tested - {"malformed_code", "empty_code"}
    assert not untested


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_reason_and_decision_has_a_message(lang):
    cat = i18n.catalogue(lang)
    assert set(SEVERITY) | set(OTHER_REASONS) <= set(cat["reason"])
    assert set(cat["decision"]) == {"admit", "deny", "refer", "remeasure"}
    assert i18n.catalogue("zh")["reason"].keys() == i18n.catalogue("en")["reason"].keys()


def _visitor(tmp_path, **answers):
    book = VisitorBook(tmp_path / "v.sqlite3")
    base = dict(name="Li Hua", phone="13800138000", coming_from="Haidian", going_to="3-2-501",
                contact=False, symptoms=False)
    base.update(answers)
    book.register(VisitorAnswers.parse(base), "vol", NOW + timedelta(hours=8), pass_id="00112233aabbccdd")
    return book


@pytest.mark.parametrize("answers, decision, reasons", [
    ({}, "admit", ()),
    ({"contact": True}, "deny", ("visitor_declared_risk",)),
    ({"symptoms": True}, "deny", ("visitor_declared_risk",)),
])
def test_registered_visitor_pass(tmp_path, answers, decision, reasons):
    book = _visitor(tmp_path, **answers)
    reg = registry()
    a = credentials.assess(credentials.parse(make_pass(role="visitor")), reg, NOW, SECRET, book=book)
    d = decide(a, OK, direction="in", now=NOW, site=reg.rules)
    assert (d.decision, d.reasons) == (decision, reasons)
    assert a.visitor.name == "Li Hua"


def test_visitor_registration_expires(tmp_path):
    book = _visitor(tmp_path)
    later = NOW + timedelta(hours=9)
    a = credentials.assess(credentials.parse(make_pass(role="visitor")), registry(), later, SECRET, book=book)
    assert a.problems == ("visitor_unregistered",)
