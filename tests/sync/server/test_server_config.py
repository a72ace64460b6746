"""The server's config: the shipped example loads, mistakes are reported with file and key."""

from __future__ import annotations

import pytest

from sync.server import config


def test_the_example_config_loads(repo):
    cfg = config.load(repo / "config" / "server.toml")
    assert cfg.storage.type == "sqlite"
    assert cfg.sqlite_path == repo / "config" / "server-state" / "server.sqlite3"
    assert (cfg.visitors.retention_days, cfg.visitors.per_ip_per_hour, cfg.visitors.per_phone_per_hour) == (28, 5, 5)


@pytest.mark.parametrize("text, words", [
    ("[mqtt]\nprot = 1883\n", "unknown key 'mqtt.prot'"),
    ("[mqtt]\nport = 0\n", "key 'mqtt.port' has value 0"),
    ("[storage]\ntype = \"mysql\"\n", "key 'storage.type'"),
    ("[http\n", "invalid TOML"),
    ("[visitors]\nretention = 28\n", "unknown key 'visitors.retention'"),
    ("[visitors]\nlisten = \"8091\"\n", "key 'visitors.listen'"),
    ("[visitors]\nper_ip_per_hour = 0\n", "key 'visitors.per_ip_per_hour' has value 0"),
])
def test_mistakes_name_the_file_and_key(tmp_path, text, words):
    path = tmp_path / "server.toml"
    path.write_text(text)
    with pytest.raises(config.ConfigError, match=words) as err:
        config.load(path)
    assert str(path) in str(err.value)


def test_check_config_command(repo, capsys):
    from sync.server.cli import main

    assert main(["run", "--config", str(repo / "config" / "server.toml"), "--check-config"]) == 0
    assert "OK" in capsys.readouterr().out
