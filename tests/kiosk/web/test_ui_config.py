"""The [ui] section: a PIN is only ever stored as a hash; bad values name the key."""

from __future__ import annotations

import subprocess
import sys

import pytest
from werkzeug.security import check_password_hash

from kiosk import config
from tests.places import REPO


@pytest.mark.parametrize("ui, key", [
    ({"pin_hash": "1234"}, "ui.pin_hash"),
    ({"quiet_hours": "22-7"}, "ui.quiet_hours"),
    ({"quiet_hours": "25:00-07:00"}, "ui.quiet_hours"),
    ({"language": "fr"}, "ui.language"),
    ({"preview_fps": 0}, "ui.preview_fps"),
    ({"queue_ttl_s": 5}, "ui.queue_ttl_s"),
    ({"backlog_warn": 0}, "ui.backlog_warn"),
    ({"verdict_hold_s": "long"}, "ui.verdict_hold_s"),
])
def test_bad_ui_values_are_reported_with_their_key(ui, key):
    with pytest.raises(config.ConfigError, match=f"key '{key}'"):
        config.from_dict({"ui": ui}, source="k.toml")


def test_defaults_keep_the_screen_on_loopback_in_chinese_with_no_pin():
    ui = config.from_dict({}).ui
    assert (ui.host, ui.language, ui.pin_hash, ui.quiet_hours) == ("127.0.0.1", "zh", None, "22:00-07:00")
    assert (ui.verdict_hold_s, ui.queue_ttl_s, ui.backlog_warn) == (6.0, 600.0, 100)


def _set_pin(stdin: str):
    return subprocess.run([sys.executable, "-m", "kiosk.cli", "set-pin"], input=stdin, capture_output=True,
                          text=True, cwd=REPO, timeout=60)


def test_set_pin_prints_a_hash_line_that_the_config_accepts_and_that_matches():
    out = _set_pin("246810\n")
    assert out.returncode == 0, out.stderr
    line = out.stdout.strip().splitlines()[-1]
    assert line.startswith('pin_hash = "') and "246810" not in line
    hashed = line.split('"')[1]
    assert config.from_dict({"ui": {"pin_hash": hashed}}).ui.pin_hash == hashed
    assert check_password_hash(hashed, "246810") and not check_password_hash(hashed, "246811")


@pytest.mark.parametrize("pin", ["12", "12345", "abcdef", "1234567890123", ""])
def test_set_pin_refuses_a_pin_that_is_not_6_to_12_digits(pin):
    out = _set_pin(pin + "\n")
    assert out.returncode == 1 and "6 to 12 digits" in out.stderr and out.stdout == ""
