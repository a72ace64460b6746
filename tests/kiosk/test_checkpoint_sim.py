"""The checkpoint on simulated drivers: the real camera-to-journal path, no network."""

from __future__ import annotations

import tomllib

import pytest

from drivers.sim.scenario import Scenario
from kiosk import config
from kiosk.runtime import KioskRuntime
from tests.walkup import walk_through

SCENARIO = """
[[person]]
code = "RES-1"
temperature_c = 36.6
expect = "admit"

[[person]]
code = "RES-2"
temperature_c = 38.4
expect = "deny"

[[person]]
code = "NOBODY-KNOWS-ME"
temperature_c = 36.5
expect = "refer"

[[person]]
code = "RES-3"
temperature_c = "none"
expect = "refer"

[[person]]
code = "STAFF-9"
barcode = "code128"
temperature_c = 36.9
expect = "admit"
"""


PEOPLE = Scenario.from_dict(tomllib.loads(SCENARIO)).arrivals


@pytest.fixture
def kiosk_cfg(tmp_path):
    """A kiosk on simulated devices whose people walk up at its pace (tests/walkup.py)."""
    (tmp_path / "nobody.toml").write_text("")
    (tmp_path / "registry.json").write_text(
        '{"version": 3, "known_codes": {"RES-1": {"household": "1-1-101"}, "RES-2": {}, '
        '"RES-3": {}, "STAFF-9": {"role": "staff"}}}')
    return config.from_dict({
        "kiosk": {"state_dir": str(tmp_path / "state")},
        "camera": {"type": "sim"},
        "thermometer": {"type": "sim"},
        "relay": {"type": "sim"},
        "ui": {"port": 0},
        "mqtt": {"enabled": False},
        "policy": {"pairing_window_s": 3.0},     # a loaded machine may read late
        "registry": {"file": str(tmp_path / "registry.json")},
        "sim": {"scenario": str(tmp_path / "nobody.toml"), "inbox": str(tmp_path / "inbox")},
    })


def test_scenario_people_get_expected_decisions_and_are_journaled(kiosk_cfg):
    rt = KioskRuntime(kiosk_cfg)
    rt.start()
    try:
        walk_through(rt, PEOPLE)
        entries = list(rt.journal.iter_all())
        relay_pulses = len(rt.devices.relay.pulses)
    finally:
        rt.stop()

    assert [e["decision"] for e in entries] == [a.expect for a in PEOPLE]
    assert [e["seq"] for e in entries] == [1, 2, 3, 4, 5]
    assert "fever" in entries[1]["reasons"]
    assert "unknown_code" in entries[2]["reasons"]
    assert "no_temperature" in entries[3]["reasons"]
    assert 36.3 < entries[0]["temperature"]["value_c"] < 36.9
    # The gate opened once per admitted person, and only for them.
    assert relay_pulses == 2


def test_journal_chain_holds_after_a_run(kiosk_cfg):
    from kiosk.journal import Journal

    rt = KioskRuntime(kiosk_cfg)
    rt.start()
    try:
        walk_through(rt, PEOPLE[:2])
    finally:
        rt.stop()
    j = Journal(kiosk_cfg.journal_path, site="demo-site", gate="gate-1")
    try:
        assert j.last_seq() == 2
        assert j.verify() is None
    finally:
        j.close()


OFF_PEOPLE = Scenario.from_dict({"person": [{"code": "RES-1", "temperature_c": "none"},
                                            {"code": "RES-2", "temperature_c": 38.4}]}).arrivals


def test_screening_off_decides_at_once_and_never_asks_for_a_temperature(tmp_path):
    """A gate in `off` (here its own config) decides as soon as the code is judged: with a
    20 s pairing window an enforcing gate would wait 20 s for the first person."""
    (tmp_path / "nobody.toml").write_text("")
    (tmp_path / "registry.json").write_text('{"version": 3, "known_codes": {"RES-1": {}, "RES-2": {}}}')
    cfg = config.from_dict({
        "kiosk": {"state_dir": str(tmp_path / "state")}, "camera": {"type": "sim"}, "thermometer": {"type": "sim"},
        "relay": {"type": "sim"}, "ui": {"port": 0}, "mqtt": {"enabled": False},
        "policy": {"pairing_window_s": 20.0, "screening": "off"},
        "registry": {"file": str(tmp_path / "registry.json")},
        "sim": {"scenario": str(tmp_path / "nobody.toml"), "inbox": str(tmp_path / "inbox")},
    })
    rt = KioskRuntime(cfg)
    events = rt.events.subscribe()
    rt.start()
    try:
        # Each waits at the gate: decided well inside the 20 s window, however loaded the machine.
        walk_through(rt, OFF_PEOPLE, per_person_s=12)
        entries = list(rt.journal.iter_all())
        assert rt.status()["screening"] == "off"
    finally:
        rt.stop()
    assert [(e["decision"], e["reasons"], e["screening"]) for e in entries] == [("admit", [], "off")] * 2
    prompts = []
    while not events.empty():
        event = events.get_nowait()
        if event["type"] == "prompt":
            prompts.append(event["data"]["prompt"])
    assert "measure" not in prompts, "请测温 was shown in off"


def test_a_fever_is_measured_again_and_only_the_verdict_is_journaled(kiosk_cfg):
    """The first fever reading asks for another (the screen says 请再测一次); it is no
    decision, so the journal holds the one verdict taken after it."""
    rt = KioskRuntime(kiosk_cfg)
    events = rt.events.subscribe()
    rt.start()
    try:
        walk_through(rt, [PEOPLE[1]])
        entries = list(rt.journal.iter_all())
    finally:
        rt.stop()
    seen = []
    while not events.empty():
        event = events.get_nowait()
        if event["type"] in ("remeasure", "decision"):
            seen.append((event["type"], event["data"]["reasons"]))
    assert seen == [("remeasure", ["fever"]), ("decision", ["fever"])]
    assert [(e["decision"], e["reasons"]) for e in entries] == [("deny", ["fever"])]
