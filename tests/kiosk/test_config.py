import re
from pathlib import Path

import pytest

from kiosk import config
from sync.configfile import ConfigError

REPO = Path(__file__).resolve().parents[2]


def test_shipped_example_loads():
    cfg = config.load(REPO / "config" / "kiosk.toml")
    assert cfg.policy.fever_c == 37.3
    assert cfg.kiosk.state_dir == (REPO / "config" / "state")


@pytest.mark.parametrize("body, needle", [
    ("[kiosk]\nsite = 'a b'\n", "kiosk.site"),
    ("[policy]\nfever_c = 'hot'\n", "policy.fever_c"),
    ("[camera]\ntype = 'webcam'\n", "camera.type"),
    ("[thermometer]\nbaud = 9600\n", "unknown key 'thermometer.baud'"),
    ("[ui\n", "invalid TOML"),
])
def test_bad_config_names_file_and_key(tmp_path, body, needle):
    path = tmp_path / "k.toml"
    path.write_text(body)
    with pytest.raises(ConfigError) as err:
        config.load(path)
    assert str(path) in str(err.value)
    assert needle in str(err.value)


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        config.load(tmp_path / "nope.toml")


def test_cli_reports_bad_config_in_one_line(tmp_path, capsys):
    from kiosk.cli import main

    path = tmp_path / "k.toml"
    path.write_text("[relay]\npulse_ms = 5\n")
    assert main(["run", "--config", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "relay.pulse_ms" in err[0] and str(path) in err[0]


def test_relative_paths_are_relative_to_the_config_file(tmp_path, monkeypatch):
    (tmp_path / "etc").mkdir()
    path = tmp_path / "etc" / "k.toml"
    path.write_text("[kiosk]\nstate_dir = 'state'\n[registry]\nfile = 'reg.json'\n"
                    "[mqtt]\nca_file = '/abs/ca.pem'\n")
    monkeypatch.chdir(tmp_path)
    cfg = config.load(path)
    assert cfg.kiosk.state_dir == tmp_path / "etc" / "state"
    assert cfg.registry.file == tmp_path / "etc" / "reg.json"
    assert cfg.mqtt.ca_file == Path("/abs/ca.pem")


@pytest.mark.parametrize("readers,message", [
    ([{"type": "serial"}], "missing required key 'reader.0.serial.port'"),
    ([{"type": "nfc"}], "does not match any of the expected tags: 'idcard', 'idcard-sim', 'serial', 'sim'"),
    ([{"type": "sim", "baud": 9600}], "unknown key 'reader.0.sim.baud'"),
    ([{"type": "sim", "terminator": "etx"}], "key 'reader.0.sim.terminator'"),
    ([{"type": "sim", "name": "a"}, {"type": "sim", "name": "a"}], "two readers are named 'a'"),
])
def test_a_bad_reader_section_is_named(readers, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        config.from_dict({"reader": readers}, "k.toml")


def test_readers_without_names_are_named_by_type_and_place():
    cfg = config.from_dict({"reader": [{"type": "serial", "port": "/dev/ttyACM0"}, {"type": "sim"}]})
    assert [r.name for r in cfg.reader] == ["serial-1", "sim-2"]
