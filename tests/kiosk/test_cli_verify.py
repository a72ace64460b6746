"""`kiosk verify TEXT`: one JSON line saying what the code is and what the kiosk would do."""

from __future__ import annotations

import json

import pytest

from kiosk.cli import main
from tests.kiosk.passkit import make_pass, registry


@pytest.fixture
def kiosk_toml(tmp_path):
    reg = tmp_path / "registry.json"
    reg.write_text(json.dumps(registry(known_codes={"STAFF-0042": {"role": "staff", "household": "3-2-509"}},
                                       quarantine=[{"household": "3-2-501", "from": "2026-03-01",
                                                    "to": "2026-03-14"}]).to_dict()))
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('[kiosk]\nstate_dir = "state"\ndirection = "out"\n[registry]\nfile = "registry.json"\n')
    (tmp_path / "state").mkdir()
    return cfg


def run(capsys, *argv):
    capsys.readouterr()
    assert main(["verify", *argv]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    return json.loads(out)


@pytest.mark.parametrize("text, kind, decision, reasons", [
    (make_pass(), "pass", "deny", ["quarantine_exit"]),       # the kiosk is an exit and 3-2-501 is at home
    ("STAFF-0042", "code", "admit", []),
    ("NOT-KNOWN", "code", "refer", ["unknown_code"]),
    ("11010519491231002X", "id_number", "refer", ["id_number_unverified"]),
    ("CP1:%%%", "malformed", "deny", ["malformed_pass"]),
])
def test_verify_with_a_kiosk_config(capsys, kiosk_toml, text, kind, decision, reasons):
    line = run(capsys, text, "--config", str(kiosk_toml), "--at", "2026-03-02T04:00:00Z")
    assert (line["kind"], line["decision"], line["reasons"]) == (kind, decision, reasons)
    assert len(line["messages"]["zh"]) == len(reasons) == len(line["messages"]["en"])
    if kind in ("code", "id_number"):
        assert text not in json.dumps(line)


def test_direction_and_temperature_can_be_given(capsys, kiosk_toml):
    line = run(capsys, make_pass(), "--config", str(kiosk_toml), "--at", "2026-03-02T04:00:00Z",
               "--direction", "in", "--temperature", "36.4")
    assert (line["decision"], line["reasons"]) == ("admit", ["quarantine_return"])
    line = run(capsys, make_pass(), "--config", str(kiosk_toml), "--at", "2026-03-02T04:00:00Z",
               "--direction", "in", "--temperature", "33.0")
    assert (line["decision"], line["reasons"]) == ("refer", ["misread_temperature", "quarantine_return"])


def test_verify_judges_by_the_site_s_screening_mode(capsys, tmp_path):
    reg = tmp_path / "registry.json"
    reg.write_text(json.dumps(registry(rules={"screening": {"mode": "record"}}).to_dict()))
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('[kiosk]\nstate_dir = "state"\n[registry]\nfile = "registry.json"\n')
    line = run(capsys, make_pass(), "--config", str(cfg), "--at", "2026-03-02T04:00:00Z", "--temperature", "38.4")
    assert (line["decision"], line["reasons"], line["alert"], line["screening"]) == (
        "admit", ["fever_recorded"], True, "record")
