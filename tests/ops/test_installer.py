"""scripts/install.sh into a scratch root that looks like a fresh Raspberry Pi OS
(tests/ops/scratch_pi.py): the files it writes with their owners and modes, the unit,
the browser's autostart in one place, the serial port per Pi model, and a second run
that changes nothing."""

from __future__ import annotations

import tomllib

import pytest

from tests.ops.scratch_pi import LAUNCHER, PI4, PI5, PI_UID, REPO, WHY_NOT, ScratchPi as Pi
from tests.ops.test_install_files import parse_unit

pytestmark = pytest.mark.skipif(bool(WHY_NOT), reason=WHY_NOT)


@pytest.mark.parametrize("model, port", [(PI4, "/dev/serial0"), (PI5, "/dev/ttyAMA0")])
def test_kiosk_install_on_a_fresh_pi_then_again_changes_nothing(tmp_path, model, port):
    pi = Pi(tmp_path, model)
    first = pi.install(*pi.kiosk_args())
    assert f"detected: {model}" in first.stdout and "detected desktop: labwc" in first.stdout
    assert "reboot to apply" in first.stdout

    kiosk, kiosk_group = pi.id_of("kiosk"), pi.id_of("kiosk", "group")
    groups = {line.split(":")[0] for line in (pi.root / "etc/group").read_text().splitlines()
              if "kiosk" in line.split(":")[3].split(",")}
    assert groups == {"video", "dialout", "gpio", "input", "audio"}

    config = tomllib.loads((pi.root / "etc/gate-checkpoint/kiosk.toml").read_text())
    assert (config["kiosk"]["site"], config["kiosk"]["gate"], config["kiosk"]["direction"]) == ("east", "gate-1", "in")
    assert config["kiosk"]["state_dir"] == "/var/lib/gate-checkpoint"
    assert config["thermometer"]["port"] == port
    assert config["mqtt"]["host"] == "gate-server.local"
    assert (config["mqtt"]["ca_file"], config["mqtt"]["cert_file"], config["mqtt"]["key_file"]) == (
        "/etc/gate-checkpoint/ca.pem", "/etc/gate-checkpoint/client.crt", "/etc/gate-checkpoint/client.key")
    for secret in ("kiosk.toml", "ca.pem", "client.crt", "client.key"):
        assert pi.owner_mode(f"/etc/gate-checkpoint/{secret}") == (0, kiosk_group, 0o640), secret
    assert (pi.root / "etc/gate-checkpoint/client.key").read_bytes() == \
        (pi.broker / "tls/clients/east.gate-1.key").read_bytes()
    assert pi.owner_mode("/var/lib/gate-checkpoint") == (kiosk, kiosk_group, 0o700)

    unit = parse_unit(pi.root / "etc/systemd/system/kiosk.service")["Service"]
    assert unit["ExecStart"] == [f"{REPO}/.venv/bin/kiosk run --config /etc/gate-checkpoint/kiosk.toml"]
    assert unit["User"] == ["kiosk"] and unit["WorkingDirectory"] == ["%S/gate-checkpoint"]
    assert pi.owner_mode("/etc/systemd/system/kiosk.service") == (0, 0, 0o644)
    assert (pi.root / "etc/systemd/system/multi-user.target.wants/kiosk.service").is_symlink()

    # labwc runs every autostart file: the launcher line in the user's own, nowhere else.
    assert pi.launcher_places() == [".config/labwc/autostart"]
    assert (pi.root / "home/pi/.config/labwc/autostart").read_text() == f"{LAUNCHER} &\n"
    assert pi.owner_mode("/home/pi/.config/labwc/autostart")[:2] == (PI_UID, PI_UID)
    assert "kiosk-browser" not in (pi.root / "etc/xdg/labwc/autostart").read_text()

    assert [c for c in pi.raspi_calls() if c.startswith("nonint do_")] == [
        "nonint do_serial_hw 0", "nonint do_serial_cons 1", "nonint do_blanking 1"]
    timesync = (pi.root / "etc/systemd/timesyncd.conf.d/gate-checkpoint.conf").read_text()
    assert "FallbackNTP=0.debian.pool.ntp.org" in timesync and timesync.rstrip().endswith(" gate-server.local")
    assert "SystemMaxUse=100M" in (pi.root / "etc/systemd/journald.conf.d/gate-checkpoint.conf").read_text()

    before, calls = pi.snapshot(), len(pi.raspi_calls())
    again = pi.install(*pi.kiosk_args())
    assert pi.snapshot() == before, again.stdout
    assert "unchanged: everything was already installed" in again.stdout, again.stdout
    assert not [c for c in pi.raspi_calls()[calls:] if c.startswith("nonint do_")]


def test_a_usb_thermometer_gets_its_udev_rule_and_the_uart_is_left_alone(tmp_path):
    pi = Pi(tmp_path, PI4, usb=("10c4", "ea60"))
    out = pi.install(*pi.kiosk_args()).stdout
    assert "USB-serial adapter ttyUSB0 (10c4:ea60)" in out
    config = tomllib.loads((pi.root / "etc/gate-checkpoint/kiosk.toml").read_text())
    assert config["thermometer"]["port"] == "/dev/thermometer"
    rule = (pi.root / "etc/udev/rules.d/99-thermometer.rules").read_text()
    assert 'ATTRS{idVendor}=="10c4", ATTRS{idProduct}=="ea60", SYMLINK+="thermometer"' in rule
    assert not [c for c in pi.raspi_calls() if "serial" in c]


@pytest.mark.parametrize("desktop, place", [("wayfire", ".config/wayfire.ini"),
                                            ("x11", ".config/autostart/kiosk-browser.desktop")])
def test_each_desktop_starts_the_browser_from_one_place(tmp_path, desktop, place):
    pi = Pi(tmp_path, PI5, desktop=desktop)
    # An earlier manual install left the line in labwc's autostart, beside the user's own line.
    old = pi.root / "home/pi/.config/labwc/autostart"
    old.parent.mkdir(parents=True)
    old.write_text("wlr-randr --output HDMI-A-1 --on\n/opt/gate-checkpoint/config/systemd/kiosk-browser.sh &\n")
    if desktop == "wayfire":
        (pi.root / "home/pi/.config/wayfire.ini").write_text("[core]\nplugins = autostart\n\n[autostart]\npanel = wf-panel-pi\n")
    else:
        assert not (pi.root / "home/pi/.config/autostart").exists()   # made by the installer, for pi
    pi.install(*pi.kiosk_args())
    assert pi.launcher_places() == [place]
    assert old.read_text() == "wlr-randr --output HDMI-A-1 --on\n"
    text = (pi.root / "home/pi" / place).read_text()
    if desktop == "wayfire":
        assert f"[autostart]\nkiosk-browser = {LAUNCHER}\npanel = wf-panel-pi\n" in text and "[core]" in text
    else:
        assert f"Exec={LAUNCHER}" in text
        assert pi.owner_mode("/home/pi/.config/autostart")[:2] == (PI_UID, PI_UID)
    before = pi.snapshot()
    pi.install(*pi.kiosk_args())
    assert pi.snapshot() == before


def test_dry_run_says_what_it_would_do_and_writes_nothing(tmp_path):
    pi = Pi(tmp_path, PI5)
    before = pi.snapshot()
    out = pi.install(*pi.kiosk_args(), "--dry-run").stdout
    assert pi.snapshot() == before
    assert "would write /etc/gate-checkpoint/kiosk.toml" in out and "would run: useradd" in out, out
    assert not [c for c in pi.raspi_calls() if c.startswith("nonint do_")]


def test_uninstall_keeps_the_journal_unless_purged(tmp_path):
    pi = Pi(tmp_path, PI5)
    pi.install(*pi.kiosk_args())
    journal = pi.root / "var/lib/gate-checkpoint/journal.sqlite3"
    journal.write_bytes(b"entries")
    out = pi.install("uninstall").stdout
    for gone in ("etc/systemd/system/kiosk.service", "etc/systemd/system/multi-user.target.wants/kiosk.service",
                 "etc/gate-checkpoint", "etc/systemd/timesyncd.conf.d/gate-checkpoint.conf"):
        assert not (pi.root / gone).exists() and not (pi.root / gone).is_symlink(), gone
    assert pi.launcher_places() == []
    assert journal.read_bytes() == b"entries" and "kept /var/lib/gate-checkpoint" in out
    pi.install("uninstall", "--purge")
    assert not journal.parent.exists()
    assert "kiosk:" not in (pi.root / "etc/passwd").read_text()


@pytest.mark.parametrize("change, message", [
    (lambda text: text.replace('host = "gate-server.local"', 'host = "127.0.0.1"'), "would connect to itself"),
    (lambda text: text, "give the site's CA certificate with --ca"),
    (lambda text: text + '[kiosk]\nsite = "west"\n', "expected one [mqtt] section"),
])
def test_a_wrong_answer_is_refused_before_anything_is_written(tmp_path, change, message):
    pi = Pi(tmp_path, PI5)
    toml = pi.broker / "kiosks/east.gate-1.toml"
    toml.write_text(change(toml.read_text()))
    args = pi.kiosk_args()
    if "--ca" in message:
        args = args[:args.index("--ca")]
    before = pi.snapshot()
    proc = pi.install(*args, ok=False)
    assert proc.returncode == 2 and message in proc.stderr, proc.stdout + proc.stderr
    assert pi.snapshot() == before


def test_server_install_makes_the_broker_accounts_and_its_config(tmp_path):
    pi = Pi(tmp_path, "")
    (pi.root / "proc/device-tree/model").unlink()
    debian = pi.root / "etc/mosquitto/mosquitto.conf"
    debian.parent.mkdir(parents=True)
    debian.write_text("include_dir /etc/mosquitto/conf.d\n")
    pi.install("server", "--hostname", "gate-server.local", "--kiosk", "east/gate-1", "--kiosk", "east/gate-2")
    community = pi.id_of("community", "group")
    config = tomllib.loads((pi.root / "etc/gate-checkpoint/server.toml").read_text())
    assert config["server"]["state_dir"] == "/var/lib/community-server"
    assert (config["mqtt"]["host"], config["mqtt"]["username"]) == ("gate-server.local", "server")
    assert config["mqtt"]["ca_file"] == "/etc/mosquitto/checkpoint/tls/ca.crt"
    assert pi.owner_mode("/etc/gate-checkpoint/server.toml") == (0, community, 0o640)
    kiosk_toml = pi.root / "etc/mosquitto/checkpoint/kiosks/east.gate-2.toml"
    assert 'host = "gate-server.local"' in kiosk_toml.read_text()
    assert pi.owner_mode("/etc/mosquitto/checkpoint/kiosks/east.gate-2.toml")[2] == 0o600
    conf = (pi.root / "etc/mosquitto/mosquitto.conf").read_text()
    assert "password_file /etc/mosquitto/checkpoint/passwords" in conf and str(pi.root) not in conf
    assert (pi.root / "etc/mosquitto/mosquitto.conf.debian").read_text() == "include_dir /etc/mosquitto/conf.d\n"
    unit = parse_unit(pi.root / "etc/systemd/system/community-server.service")["Service"]
    assert unit["User"] == ["community"] and unit["ExecStart"][0].startswith(f"{REPO}/.venv/bin/community-server run")
    assert "allow 192.168.0.0/16" in (pi.root / "etc/chrony/conf.d/gate-checkpoint.conf").read_text()
    before = pi.snapshot()
    again = pi.install("server", "--hostname", "gate-server.local", "--kiosk", "east/gate-1")
    assert pi.snapshot() == before and "unchanged: everything was already installed" in again.stdout, again.stdout


def test_server_uninstall_keeps_the_accounts_and_the_entries(tmp_path):
    pi = Pi(tmp_path, PI4)
    pi.install("server", "--hostname", "gate-server.local", "--kiosk", "east/gate-1")
    (pi.root / "var/lib/community-server/server.sqlite3").write_bytes(b"entries")
    pi.install("uninstall")
    for gone in ("etc/systemd/system/community-server.service", "etc/gate-checkpoint",
                 "etc/chrony/conf.d/gate-checkpoint.conf", "etc/systemd/journald.conf.d/gate-checkpoint.conf"):
        assert not (pi.root / gone).exists(), gone
    assert (pi.root / "var/lib/community-server/server.sqlite3").read_bytes() == b"entries"
    assert (pi.root / "etc/mosquitto/checkpoint/kiosks/east.gate-1.toml").is_file()


def test_wayfire_without_its_ini_gets_an_autostart_section(tmp_path):
    pi = Pi(tmp_path, PI4, desktop="wayfire")
    pi.install(*pi.kiosk_args())
    assert (pi.root / "home/pi/.config/wayfire.ini").read_text() == f"\n[autostart]\nkiosk-browser = {LAUNCHER}\n"
