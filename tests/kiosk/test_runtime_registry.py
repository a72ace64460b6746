"""A registry the downlink hands over is checked, kept when newer, and judged with at once."""

from __future__ import annotations

from datetime import datetime, timezone

from kiosk import config
from kiosk.registry import RegistryStore
from kiosk.runtime import KioskRuntime
from kiosk.temperature import TemperatureResult
from tests.kiosk.passkit import make_pass, registry


def test_pushed_registry_revokes_a_pass_and_survives_restart(tmp_path):
    (tmp_path / "scenario.toml").write_text('[[person]]\ncode = "X"\n')
    cfg = config.from_dict({"kiosk": {"state_dir": str(tmp_path / "state")}, "camera": {"type": "sim"},
                            "thermometer": {"type": "sim"}, "mqtt": {"enabled": False}, "ui": {"port": 0},
                            "sim": {"scenario": str(tmp_path / "scenario.toml")}})
    rt = KioskRuntime(cfg)      # built, not started: the registry path needs no devices running
    text = make_pass(not_before=0, expires=2**32 - 1)
    ok = TemperatureResult("ok", 36.5)
    now = datetime.now(timezone.utc)
    try:
        rt.registry.accept({k: v for k, v in registry().to_dict().items() if k != "issued_at"}, 3)
        assert rt.gatekeeper.judge(text, "QRCODE", ok, now).decision.decision == "admit"
        assert rt.status()["registry_version"] == 3 and rt.status()["registry_age_s"] < 5
        rt.registry.accept({**registry().to_dict(), "revoked": ["00112233aabbccdd"]}, 4)
        assert rt.gatekeeper.judge(text, "QRCODE", ok, now).decision.reasons == ("revoked",)
        rt.registry.accept({"quarantined": ["x"]}, 5)            # not a registry: refused, v4 stays
        assert rt.registry.current.version == 4
        rt.registry.accept(registry().to_dict(), 2)               # older: ignored
    finally:
        rt.stop()
    assert RegistryStore(tmp_path / "state").current.version == 4
