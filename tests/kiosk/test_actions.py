"""What a volunteer does: overrides linked to the entry they override, visitor registration."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timedelta, timezone

import pytest

from drivers.sim.relay import SimRelay
from kiosk import config, credentials
from kiosk.actions import ActionError, override, register_visitor
from kiosk.gatekeeper import Gatekeeper
from kiosk.journal import Journal
from kiosk.registry import RegistryStore
from kiosk.temperature import TemperatureResult
from kiosk.visitors import VisitorError
from tests.kiosk.passkit import make_pass, registry

ANSWERS = {"name": "王芳", "phone": "13800138000", "coming_from": "朝阳区", "heading_to": "海淀区",
           "going_to": "3-2-501", "contact": False, "symptoms": False,
           "id_masked": "110105********002X", "id_hash": "ab" * 32}


@pytest.fixture
def kiosk(tmp_path):
    cfg = config.from_dict({"kiosk": {"state_dir": str(tmp_path / "state")}})
    store = RegistryStore(cfg.kiosk.state_dir)
    store.offer(registry())
    journal = Journal(cfg.journal_path, site="demo-site", gate="g1")
    gk = Gatekeeper(cfg, store, journal=journal)
    yield gk, journal
    gk.close()
    journal.close()


def _refer(journal):
    return journal.append({"direction": "in", "credential": {"kind": "code", "hash": "ab" * 32, "masked": "UN**31"},
                           "temperature": {"value_c": 36.5}, "decision": "refer", "reasons": ["unknown_code"],
                           "operator": None, "visitor": None, "ref": None})


def test_override_is_its_own_entry_linked_to_the_first(kiosk):
    gk, journal = kiosk
    first = _refer(journal)
    relay = SimRelay()
    e = override(journal, first["id"], "admit", "known neighbour, card left at home", "张志愿", gatekeeper=gk,
                 relay=relay, pulse_ms=800)
    assert e["seq"] == first["seq"] + 1 and e["ref"] == first["id"]
    assert e["decision"] == "admit" and e["reasons"] == ["override"]
    assert e["operator"] == {"name": "张志愿", "reason": "known neighbour, card left at home"}
    assert e["credential"] == first["credential"]
    assert journal.get(first["id"])["decision"] == "refer"      # the first stays as it was
    assert [ms for _, ms in relay.pulses] == [800]
    assert journal.verify() is None


@pytest.mark.parametrize("decision, reason, operator, message", [
    ("admit", "", "vol", "reason"),
    ("admit", "ok", " ", "name"),
    ("wave", "ok", "vol", "one of"),
])
def test_override_needs_a_decision_a_reason_and_a_name(kiosk, decision, reason, operator, message):
    gk, journal = kiosk
    first = _refer(journal)
    with pytest.raises(ActionError, match=message):
        override(journal, first["id"], decision, reason, operator)
    assert journal.last_seq() == 1


def test_an_admit_cannot_be_overridden(kiosk):
    gk, journal = kiosk
    admitted = journal.append({"direction": "in", "decision": "admit", "reasons": []})
    with pytest.raises(ActionError, match="only deny or refer"):
        override(journal, admitted["id"], "deny", "changed my mind", "vol")
    with pytest.raises(ActionError, match="no entry"):
        override(journal, "nope", "admit", "x", "vol")


def test_registered_visitor_gets_a_day_pass_that_this_kiosk_admits(kiosk):
    gk, journal = kiosk
    day = register_visitor(gk, ANSWERS, "张志愿")
    assert day.text.startswith("CPV1:")
    j = gk.judge(day.text, "QRCODE", TemperatureResult("ok", 36.5), datetime.now(timezone.utc))
    assert j.decision.decision == "admit"
    assert j.assessment.visitor.model_dump(exclude_none=True) == ANSWERS | {"questions_version": 1}
    assert j.assessment.record == {"kind": "day_pass", "pass_id": day.pass_id, "role": "visitor",
                                   "valid_until": credentials.valid_until_iso(day.valid_until)}


def test_visitor_declaring_contact_is_denied(kiosk):
    gk, _ = kiosk
    day = register_visitor(gk, ANSWERS | {"contact": True}, "vol")
    j = gk.judge(day.text, "QRCODE", TemperatureResult("ok", 36.5), datetime.now(timezone.utc))
    assert (j.decision.decision, j.decision.reasons) == ("deny", ("visitor_declared_risk",))


def test_day_pass_expires_at_local_midnight(kiosk):
    gk, _ = kiosk
    day = register_visitor(gk, ANSWERS, "vol")
    tomorrow = datetime.now(timezone.utc) + timedelta(days=1, seconds=1)
    j = gk.judge(day.text, "QRCODE", TemperatureResult("ok", 36.5), tomorrow)
    assert j.decision.decision == "deny" and "expired" in j.decision.reasons


def test_day_pass_from_another_kiosk_is_not_accepted(kiosk, tmp_path):
    from kiosk.visitors import make_day_pass

    gk, _ = kiosk
    forged = make_day_pass(b"x" * 32, "0011223344556677", 2**31)
    j = gk.judge(forged.text, "QRCODE", TemperatureResult("ok", 36.5), datetime.now(timezone.utc))
    assert j.decision.reasons == ("bad_signature",)


def test_community_visitor_pass_linked_to_a_registration(kiosk):
    gk, _ = kiosk
    text = make_pass(role="visitor", not_before=0, expires=2**32 - 1)
    now = datetime.now(timezone.utc)
    assert gk.judge(text, "QRCODE", TemperatureResult("ok", 36.5), now).decision.reasons == ("visitor_unregistered",)
    register_visitor(gk, ANSWERS, "vol", pass_id="00112233aabbccdd")
    assert gk.judge(text, "QRCODE", TemperatureResult("ok", 36.5), now).decision.decision == "admit"


@pytest.mark.parametrize("change, field", [
    ({"name": "x" * 41}, "name"), ({"phone": "call me"}, "phone"), ({"contact": None}, "contact"),
    ({"going_to": "x" * 81}, "going_to"),
])
def test_registration_names_the_wrong_answer(kiosk, change, field):
    gk, _ = kiosk
    with pytest.raises(VisitorError, match=field):
        register_visitor(gk, ANSWERS | change, "vol")
    with pytest.raises(VisitorError, match="symptoms"):
        register_visitor(gk, {k: v for k, v in ANSWERS.items() if k != "symptoms"}, "vol")


def test_the_name_is_optional_a_gate_has_no_keyboard(kiosk):
    gk, _ = kiosk
    day_pass = register_visitor(gk, ANSWERS | {"name": ""}, "vol")
    assert day_pass.text.startswith("CPV1:")


def test_kiosk_secret_is_private_and_kept(kiosk, tmp_path):
    gk, _ = kiosk
    path = tmp_path / "state" / "kiosk.secret"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    from kiosk.secret import load_or_create

    assert load_or_create(tmp_path / "state") == gk.secret


def test_screenshot_reused_for_passback_is_not_admitted(kiosk):
    gk, journal = kiosk
    text = make_pass(not_before=0, expires=2**32 - 1)
    ok = TemperatureResult("ok", 36.5)
    now = datetime.now(timezone.utc)

    def through(direction):
        j = gk.judge(text, "QRCODE", ok, now, direction=direction)
        entry = journal.append({"direction": direction, "credential": j.assessment.record,
                                "decision": j.decision.decision, "reasons": list(j.decision.reasons)})
        gk.passed(entry, now)
        return j.decision

    assert through("in").decision == "admit"
    second = through("in")                      # the same pass again, from a photo handed back
    assert (second.decision, second.reasons) == ("refer", ("passback",))
    assert through("out").decision == "admit"
    assert through("in").decision == "admit"    # left, so may enter again


def test_passback_is_remembered_across_a_restart(kiosk, tmp_path):
    gk, journal = kiosk
    text = make_pass(not_before=0, expires=2**32 - 1)
    now = datetime.now(timezone.utc)
    j = gk.judge(text, "QRCODE", TemperatureResult("ok", 36.5), now)
    gk.passed(journal.append({"direction": "in", "credential": j.assessment.record, "decision": "admit",
                              "reasons": []}), now)
    cfg = config.from_dict({"kiosk": {"state_dir": str(tmp_path / "state")}, "policy": {"anti_passback": "deny"}})
    again = Gatekeeper(cfg, gk.registry, journal=journal)
    try:
        d = again.judge(text, "QRCODE", TemperatureResult("ok", 36.5), now).decision
    finally:
        again.close()
    assert (d.decision, d.reasons) == ("deny", ("passback",))
