"""Site and gate ids: one rule (sync/topics.py), applied by every place that takes one."""

from __future__ import annotations

import pytest

from kiosk import config as kiosk_config
from sync import schema, topics
from sync.configfile import ConfigError
from sync.server import config as server_config
from sync.server.broker_setup import KioskId, SetupError

GOOD = ["gate-1", "Site_2", "a", "x" * 64]
BAD = ["", "gate 1", "a/b", "+", "#", "门岗", "x" * 65, "gate-1\n"]


@pytest.mark.parametrize("name", GOOD)
def test_a_good_name_passes_everywhere(name):
    assert topics.is_name(name) and topics.check_name(name) == name
    assert kiosk_config.from_dict({"kiosk": {"site": name, "gate": name}}).kiosk.gate == name
    assert server_config.from_dict({"console": {"site": name}}).console.site == name
    assert KioskId.parse(f"{name}/{name}") == KioskId(name, name)


@pytest.mark.parametrize("name", BAD)
def test_a_bad_name_is_refused_everywhere_with_the_rule(name):
    assert not topics.is_name(name)
    with pytest.raises(ValueError, match="1-64 letters, digits"):
        topics.check_name(name)
    with pytest.raises(ConfigError, match=r"kiosk\.gate.*1-64 letters, digits"):
        kiosk_config.from_dict({"kiosk": {"gate": name}})
    with pytest.raises(ConfigError, match=r"console\.site.*1-64 letters, digits"):
        server_config.from_dict({"console": {"site": name}})
    with pytest.raises(schema.SchemaError, match="invalid site/gate"):
        schema.parse_batch(schema.encode_batch("s1", name, []), "s1", name)
    with pytest.raises(SetupError, match="SITE/GATE"):
        KioskId.parse(f"s1/{name}")


def test_a_name_that_is_not_text_is_not_a_name():
    assert not topics.is_name(None) and not topics.is_name(12)
