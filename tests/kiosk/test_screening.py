"""Which screening a kiosk runs: the site's from the registry, the gate's own from its
config, the office's threshold, re-measure rule and offset over the kiosk's own; and the
entry record that carries the mode."""

from __future__ import annotations

import pytest

from kiosk import config
from kiosk.gatekeeper import effective_screening
from kiosk.registry import Registry
from sync.configfile import ConfigError
from sync.schema import SchemaError, check_entry
from sync.screening import Screening

SIM = {"camera": {"type": "sim"}, "thermometer": {"type": "sim"}}


def _cfg(policy=None, thermometer=None):
    return config.from_dict({**SIM, "policy": policy or {}, "thermometer": {"type": "sim", **(thermometer or {})}})


def test_a_registry_without_screening_enforces_with_the_kiosk_s_own_values():
    cfg = _cfg({"fever_c": 37.6, "remeasure": False}, {"offset_c": 0.4})
    site = Registry.from_dict({"version": 3}).rules.screening
    assert effective_screening(site, cfg.policy, cfg.thermometer.offset_c) == Screening(
        mode="enforce", fever_c=37.6, remeasure=False, offset_c=0.4)


def test_the_office_s_values_stand_in_for_the_kiosk_s():
    cfg = _cfg({"fever_c": 37.6}, {"offset_c": 0.4})
    rules = {"screening": {"mode": "record", "fever_c": 37.2, "offset_c": 1.1}}
    site = Registry.from_dict({"rules": rules}).rules.screening
    got = effective_screening(site, cfg.policy, cfg.thermometer.offset_c)
    assert (got.mode, got.fever_c, got.remeasure, got.offset_c) == ("record", 37.2, True, 1.1)


@pytest.mark.parametrize("own, site, runs", [("site", "record", "record"), ("off", "enforce", "off"),
                                             ("enforce", "off", "enforce"), ("record", "off", "record")])
def test_a_gate_s_own_mode_wins_over_the_site_s(own, site, runs):
    cfg = _cfg({"screening": own})
    assert effective_screening(Screening(mode=site), cfg.policy, 0.0).mode == runs


def test_a_gate_with_no_thermometer_cannot_be_told_to_measure(tmp_path):
    path = tmp_path / "k.toml"
    path.write_text('[thermometer]\ntype = "none"\n[policy]\nscreening = "enforce"\n')
    with pytest.raises(ConfigError, match="needs a thermometer") as err:
        config.load(path)
    assert str(path) in str(err.value)
    for fine in ("off", "site"):
        path.write_text(f'[thermometer]\ntype = "none"\n[policy]\nscreening = "{fine}"\n')
        assert config.load(path).policy.screening == fine


def test_a_registry_with_an_unknown_mode_is_refused():
    from kiosk.registry import RegistryError

    with pytest.raises(RegistryError, match="rules.screening.mode"):
        Registry.from_dict({"rules": {"screening": {"mode": "strict"}}})


def _entry(**more):
    base = {"seq": 1, "site": "s", "gate": "g", "id": "a1", "ts": "2026-12-03T07:00:00.000Z", "hash": "0" * 64,
            "prev_hash": "0" * 64, "decision": "admit", "direction": "in", "reasons": []}
    return {**base, **more}


def test_an_entry_names_a_known_mode_or_none():
    check_entry(_entry(), "s", "g")                     # made before the modes existed
    check_entry(_entry(screening="record"), "s", "g")
    with pytest.raises(SchemaError, match="screening 'strict' is not one of off, record, enforce"):
        check_entry(_entry(screening="strict"), "s", "g")
