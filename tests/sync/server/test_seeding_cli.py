"""A new site set up from the command line, as an operator (or `kiosk demo`) does before
anyone logs in to the console: residents, access cards, a lost card revoked, the first
registry signed, and the line a kiosk needs to trust it."""

from __future__ import annotations

import json
import tomllib

import pytest

from sync import registry_envelope as env
from sync.server import config as server_config
from sync.server.cli import main as server_main
from sync.server.console.store import ConsoleStore
from sync.server.storage import open_storage

LOST = "0040856635"


@pytest.fixture
def server_toml(tmp_path):
    path = tmp_path / "server.toml"
    path.write_text(f'[server]\nstate_dir = "{tmp_path / "state"}"\n')
    return path


def _run(capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = server_main([*map(str, args)])
    out = capsys.readouterr()
    return rc, out.out, out.err


def _cards(server_toml) -> list[dict]:
    storage = open_storage(server_config.load(server_toml))
    try:
        return ConsoleStore(storage).cards()
    finally:
        storage.close()


def test_a_site_set_up_from_the_command_line(repo, tmp_path, server_toml, capsys):
    demo = repo / "config" / "demo"
    assert _run(capsys, "import-residents", demo / "residents.csv", "--config", server_toml)[0] == 0
    rc, _, said = _run(capsys, "import-cards", demo / "cards.csv", "--config", server_toml)
    assert rc == 0 and "2 bound" in said
    rc, _, said = _run(capsys, "revoke-card", LOST, "--config", server_toml)
    assert rc == 0 and "revoked" in said and LOST not in said      # the number is said masked
    registry_file = tmp_path / "kiosk-registry.json"
    rc, _, said = _run(capsys, "init-registry", "--from", demo / "registry.json", "--output", registry_file,
                       "--config", server_toml)
    assert rc == 0 and "version 1 signed" in said
    registry = json.loads(registry_file.read_text("utf-8"))
    assert registry["version"] == 1 and registry["site"] == "demo-site"
    # Each card goes out under its keyed digests; the lost one's are marked revoked, the other's not.
    by_household = {c["household"]: bool(c.get("revoked")) for c in registry["cards"].values()}
    assert by_household == {"3-2-510": False, "3-2-511": True}
    assert registry["rules"] == json.loads((demo / "registry.json").read_text("utf-8"))["rules"]

    rc, line, _ = _run(capsys, "registry-key", "--config", server_toml)
    keys = tomllib.loads(line)["registry_keys"]
    storage = open_storage(server_config.load(server_toml))
    try:
        envelope = storage.latest_registry("demo-site")
    finally:
        storage.close()
    assert env.verify(envelope, env.public_keys(keys), site="demo-site").version == 1

    # Run again, the site's registry is kept as it is: the console owns it from now on.
    rc, out, said = _run(capsys, "init-registry", "--from", demo / "registry.json", "--config", server_toml)
    assert rc == 0 and "kept" in said and json.loads(out)["version"] == 1


def test_a_bad_cards_list_binds_nothing_and_names_each_row(repo, tmp_path, server_toml, capsys):
    assert _run(capsys, "import-residents", repo / "config" / "demo" / "residents.csv", "--config", server_toml)[0] == 0
    cards = tmp_path / "cards.csv"
    cards.write_text("户号,卡号\n3-2-510,0040856634\n9-9-901,0040856636\n3-2-511,12ab\n", "utf-8")
    rc, _, said = _run(capsys, "import-cards", cards, "--config", server_toml)
    assert rc == 2
    assert "cards.csv: row 3: household '9-9-901' is not in the residents list" in said
    assert "cards.csv: row 4:" in said and "10 decimal digits" in said
    assert _cards(server_toml) == []


@pytest.mark.parametrize("args, words", [
    (("revoke-card", LOST), "is not bound to anyone"),
    (("revoke-card", "12ab"), "10 decimal digits"),
    (("import-residents", "missing.csv"), "missing.csv"),
])
def test_refusals_say_why(server_toml, capsys, args, words):
    rc, _, said = _run(capsys, *args, "--config", server_toml)
    assert rc == 2 and words in said and "Traceback" not in said


def test_init_registry_refuses_a_file_that_is_not_a_registry(tmp_path, server_toml, capsys):
    not_registry = tmp_path / "r.json"
    not_registry.write_text("[1, 2]")
    rc, _, said = _run(capsys, "init-registry", "--from", not_registry, "--config", server_toml)
    assert rc == 2 and f"{not_registry}: a registry is a JSON object" in said
