"""The registry the server pushes: checked on the way in, kept newest-first on disk."""

from __future__ import annotations

import json
import os
from datetime import date, datetime, timezone

import pytest

from kiosk.registry import Registry, RegistryError, RegistryStore
from tests.kiosk.passkit import registry


@pytest.mark.parametrize("data, message", [
    ({"version": -1}, "version"),
    ({"trusted_keys": {"k1": "not base64!"}}, "k1"),
    ({"quarantine": [{"from": "2026-01-01", "to": "2026-01-05"}]}, "household, pass_id or code"),
    ({"quarantine": [{"household": "1-1-1", "from": "2026-01-05", "to": "2026-01-01"}]}, "before"),
    ({"rules": {"hours": {"visitor": ["8am", "20:00"]}}}, "HH:MM"),
    ({"rules": {"timezone": "Mars/Olympus"}}, "time zone"),
    ({"known_codes": {"A": {"role": "mayor"}}}, "known_codes.A.role"),
    ({"surprise": 1}, "unknown key 'surprise'"),
    ([], "JSON object"),
])
def test_bad_registries_are_refused_with_the_key_named(data, message):
    with pytest.raises(RegistryError, match=message):
        Registry.from_dict(data, "push")


def test_round_trip_through_dict():
    r = registry(revoked=["b", "a"], quarantine=[{"household": "1-1-1", "from": "2026-01-01", "to": "2026-01-14"}],
                 known_codes={"STAFF-1": {"role": "staff"}}, rules={"hours": {"visitor": ["08:00", "20:00"]}},
                 issued_at="2026-03-01T00:00:00Z")
    d = r.to_dict()
    assert d["revoked"] == ["a", "b"]
    assert Registry.from_dict(json.loads(json.dumps(d))) == r


def test_quarantine_dates_are_inclusive():
    r = registry(quarantine=[{"household": "1-1-1", "from": "2026-01-01", "to": "2026-01-14"}])
    assert r.quarantined(date(2026, 1, 14), household="1-1-1")
    assert r.quarantined(date(2026, 1, 1), household="1-1-1")
    assert not r.quarantined(date(2026, 1, 15), household="1-1-1")
    assert not r.quarantined(date(2026, 1, 5), household="1-1-2")


def test_age_from_issue_time():
    r = registry(issued_at="2026-03-01T00:00:00Z")
    assert r.age_s(datetime(2026, 3, 1, 1, tzinfo=timezone.utc)) == 3600


def test_store_keeps_only_newer_versions_and_survives_restart(tmp_path):
    store = RegistryStore(tmp_path)
    assert store.current.version == 0
    assert store.offer(registry(version=5))
    assert not store.offer(registry(version=4))
    assert not store.offer(registry(version=5, revoked=["x"]))
    assert store.offer(registry(version=6, revoked=["x"]))
    again = RegistryStore(tmp_path)
    assert again.current.version == 6 and again.current.is_revoked("x")


def test_store_prefers_its_newer_copy_over_an_older_seed_file(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(registry(version=3).to_dict()))
    RegistryStore(tmp_path / "state").offer(registry(version=9))
    assert RegistryStore(tmp_path / "state", seed).current.version == 9


def test_damaged_copy_does_not_stop_the_kiosk(tmp_path):
    (tmp_path / "registry.json").write_text("{half")
    store = RegistryStore(tmp_path)
    assert store.current.version == 0
    assert store.offer(registry(version=1))


def test_save_is_atomic_no_temp_files_left(tmp_path):
    registry(version=2).save(tmp_path / "registry.json")
    assert os.listdir(tmp_path) == ["registry.json"]
