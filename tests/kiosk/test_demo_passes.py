"""The demo's committed passes and registry: every person in the scenario gets the
decision the scenario expects, and the demo shows every kind of outcome."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from drivers.reader import CARD, IDCARD
from drivers.sim.scenario import Arrival, Scenario
from kiosk import config
from kiosk.demo import READERS, WAYS_IN, prepare_server
from kiosk.gatekeeper import Gatekeeper
from kiosk.journal import Journal
from kiosk.registry import RegistryStore
from kiosk.runtime import KioskRuntime
from kiosk.temperature import TemperatureResult
from sync.cardnumbers import normalise
from tests.walkup import walk_through


def _demo_registry(tmp_path) -> str:
    """The registry the demo kiosk starts with: the bundled one, with the access cards the
    demo's server binds (and the lost one it revokes)."""
    (tmp_path / "demo").mkdir()
    return str(prepare_server(tmp_path / "demo", 1, 1)[2])


def _shown(a: Arrival) -> tuple[str, str]:
    """What the kiosk's decision gets from this person: the text and its code type."""
    if a.card is not None:
        card_format = next(r["card_format"] for r in READERS if r.get("reads") == "cards")
        return normalise(a.card, card_format), CARD
    if a.idcard is not None:
        return a.idcard, IDCARD
    if a.scanner is not None:
        return a.scanner, "SCANNER"
    return a.code, "QRCODE"


def test_demo_scenario_decisions_hold_offline(repo, tmp_path):
    demo = repo / "config" / "demo"
    cfg = config.from_dict({"kiosk": {"state_dir": str(tmp_path)}, "registry": {"file": _demo_registry(tmp_path)}})
    store = RegistryStore(tmp_path, cfg.registry.file)
    gk = Gatekeeper(cfg, store)
    now = datetime.now(timezone.utc)
    reasons = set()
    try:
        for a in Scenario.load(demo / "scenario.toml").arrivals:
            temp = TemperatureResult("none") if a.temperature_c is None else TemperatureResult("ok", a.temperature_c)
            text, code_type = _shown(a)
            j = gk.judge(text, code_type, temp, now, remeasured=True)
            assert j.decision.decision == a.expect, (a.index, text[:20], j.decision)
            gk.passed({"decision": j.decision.decision, "direction": "in", "credential": j.assessment.record}, now)
            reasons |= set(j.decision.reasons)
    finally:
        gk.close()
    assert {"fever", "revoked", "expired", "bad_signature", "unknown_key", "passback", "unknown_code",
            "no_temperature", "visitor_unregistered", "quarantine_return", "unknown_card",
            "id_number_unverified"} <= reasons


@pytest.mark.slow
def test_demo_scenario_played_on_simulated_devices(repo, tmp_path):
    demo = repo / "config" / "demo"
    scenario = Scenario.load(demo / "scenario.toml")
    (tmp_path / "nobody.toml").write_text("")
    cfg = config.from_dict({
        "kiosk": {"state_dir": str(tmp_path / "state")},
        "camera": {"type": "sim"}, "thermometer": {"type": "sim"}, "relay": {"type": "sim"},
        "ui": {"port": 0}, "mqtt": {"enabled": False}, "policy": {"pairing_window_s": 3.0},
        "registry": {"file": _demo_registry(tmp_path)},
        "sim": {"scenario": str(tmp_path / "nobody.toml"), "inbox": str(tmp_path / "inbox")},
        "reader": READERS,
    })
    rt = KioskRuntime(cfg)
    rt.start()
    try:
        walk_through(rt, scenario.arrivals)     # each at the kiosk's pace, however loaded the machine
        entries = list(rt.journal.iter_all())
        pulses = len(rt.devices.relay.pulses)
    finally:
        rt.stop()
    got = [(e["decision"], e["reasons"], (e["temperature"] or {}).get("value_c")) for e in entries]
    assert [g[0] for g in got] == [a.expect for a in scenario.arrivals], got
    assert pulses == sum(a.expect == "admit" for a in scenario.arrivals)
    # Each way in came through its own reader: the scanner, the card reader, the ID card reader.
    ways = [WAYS_IN.get(e["credential"].get("reader"), "camera") for e in entries]
    assert ways == [("scanner" if a.scanner else "card" if a.card else "ID card" if a.idcard else "camera")
                    for a in scenario.arrivals]
    assert {"scanner", "card", "ID card"} <= set(ways)
    # No pass text, plain code or ID number is journaled in clear.
    j = Journal(cfg.journal_path, site="x", gate="y")
    try:
        assert j.verify() is None
    finally:
        j.close()
    body = repr(entries)
    assert "CP1:" not in body and "STAFF-0042" not in body and "UNKNOWN-7731" not in body
    numbers = [a.card or a.idcard for a in scenario.arrivals if a.card or a.idcard]
    assert numbers and not [n for n in numbers if n in body]
