"""Codes from [[reader]]s go through the checkpoint's one debounce and decision, beside
the camera: the real serial reader on the simulated scanner module's pty."""

from __future__ import annotations

import json

import pytest

from drivers.sim.scenario import Scenario
from kiosk import config
from kiosk.runtime import KioskRuntime
from tests.waiting import wait_until

SCENARIO = """
[defaults]
gap_s = 1.5
show_s = 1.2
start_s = 2.0   # a serial port drops what came before it was opened, as a real one does

[[person]]
scanner = "RES-1"
expect = "admit"

[[person]]
code = "RES-2"
expect = "admit"

[[person]]
scanner = "NOBODY-KNOWS-ME"
expect = "refer"
"""


@pytest.fixture
def make_cfg(tmp_path):
    def make(scenario: str, readers=({"type": "sim", "name": "gm65", "prefix": r"\x02", "terminator": "crlf"},)
             ) -> config.KioskConfig:
        (tmp_path / "scenario.toml").write_text(scenario)
        (tmp_path / "registry.json").write_text(
            '{"version": 3, "known_codes": {"RES-1": {"household": "1-1-101"}, "RES-2": {}}}')
        return config.from_dict({
            "kiosk": {"state_dir": str(tmp_path / "state")},
            "camera": {"type": "sim"}, "thermometer": {"type": "sim"}, "relay": {"type": "sim"},
            "ui": {"port": 0}, "mqtt": {"enabled": False},
            "policy": {"pairing_window_s": 1.5},
            "registry": {"file": str(tmp_path / "registry.json")},
            "sim": {"scenario": str(tmp_path / "scenario.toml")},
            "reader": list(readers),
        })
    return make


def _run(cfg, count: int) -> list[dict]:
    rt = KioskRuntime(cfg)
    rt.start()
    try:
        wait_until(lambda: rt.journal.last_seq() >= count, 30, f"{count} entries journaled")
        return list(rt.journal.iter_all())
    finally:
        rt.stop()


def test_scanner_and_camera_codes_are_each_decided_and_journaled(make_cfg):
    cfg = make_cfg(SCENARIO)
    scenario = Scenario.load(cfg.sim.scenario)
    entries = _run(cfg, 3)
    assert [e["decision"] for e in entries] == [a.expect for a in scenario.arrivals]
    assert [e["credential"].get("reader") for e in entries] == ["gm65", None, "gm65"]
    assert entries[0]["credential"]["household"] == "1-1-101"
    assert entries[0]["temperature"]["value_c"] is not None
    assert "NOBODY-KNOWS-ME" not in repr(entries)       # a plain code is journaled masked


def test_the_same_code_at_camera_and_scanner_at_once_is_one_scan(make_cfg):
    cfg = make_cfg("""
[defaults]
gap_s = 1.5
show_s = 1.5
start_s = 0.5

[[person]]
code = "RES-1"

[[person]]
scanner = "RES-1"
at_s = 0.9

[[person]]
code = "RES-2"
at_s = 6
""")
    entries = _run(cfg, 2)
    assert [e["credential"]["hash"] == entries[0]["credential"]["hash"] for e in entries] == [True, False]
    assert len(entries) == 2


def test_a_keyboard_wedge_reads_through_the_same_decision(make_cfg):
    cfg = make_cfg("""
[defaults]
start_s = 0.5

[[person]]
scanner = "RES-1"
""", readers=[{"type": "evdev-sim", "name": "wedge"}])
    entry, = _run(cfg, 1)
    assert (entry["decision"], entry["credential"]["reader"]) == ("admit", "wedge")
    assert entry["credential"]["code_type"] == "KEYBOARD"


def test_access_cards_through_a_wedge_card_reader(make_cfg, tmp_path):
    from sync.cards import forms, new_card_key, registry_cards

    key = new_card_key()
    cfg = make_cfg("""
[defaults]
gap_s = 1.5
show_s = 1.2
start_s = 0.5

[[person]]
card = "0040856634"

[[person]]
card = "0040856635"

[[person]]
card = "0000000001"

[[person]]
card = "not a card"
""", readers=[{"type": "evdev-sim", "name": "card-desk", "reads": "cards", "card_format": "dec10"}])
    cfg.registry.file.write_text(json.dumps({"version": 4, "card_key": key, "cards": registry_cards([
        {"forms": forms(key, "026F6C3A"), "household": "3-2-501", "name_masked": "张*"},
        {"forms": forms(key, "00000001"), "household": "1-1-101", "revoked": True}])}))
    entries = _run(cfg, 3)
    assert [(e["decision"], e["reasons"]) for e in entries] == [
        ("admit", []), ("refer", ["unknown_card"]), ("deny", ["revoked"])]
    first = entries[0]["credential"]
    assert (first["kind"], first["masked"], first["household"], first["name_masked"], first["reader"]) == (
        "card", "****6C3A", "3-2-501", "张*", "card-desk")
    assert "0040856634" not in repr(entries) and "026F6C3A" not in repr(entries)


def test_an_id_card_on_the_reader_is_referred_and_kept_only_hashed_and_masked(make_cfg):
    cfg = make_cfg("""
[defaults]
start_s = 0.5

[[person]]
idcard = "11010519491231002X"
""", readers=[{"type": "idcard-sim", "name": "id-reader"}])
    entry, = _run(cfg, 1)
    cred = entry["credential"]
    assert (entry["decision"], entry["reasons"]) == ("refer", ["id_number_unverified"])
    assert (cred["kind"], cred["masked"], cred["reader"]) == ("id_number", "110105********002X", "id-reader")
    assert "11010519491231002X" not in repr(entry)
