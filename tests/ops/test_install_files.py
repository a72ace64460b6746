"""The files an installer copies onto a Pi: systemd units, the browser launcher, the udev rule."""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]
UNITS = REPO / "config" / "systemd"
VENV_BIN = Path(sys.executable).parent


def parse_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """systemd's format: sections, repeatable keys, '#' comments."""
    out: dict[str, dict[str, list[str]]] = {}
    section = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = out.setdefault(line[1:-1], {})
            continue
        key, _, value = line.partition("=")
        section.setdefault(key.strip(), []).append(value.strip())
    return out


@pytest.mark.parametrize("name", ["kiosk.service", "community-server.service"])
def test_unit_is_hardened(name):
    s = parse_unit(UNITS / name)["Service"]
    assert s["ProtectSystem"] == ["strict"]
    assert s["NoNewPrivileges"] == ["true"]
    assert s["User"][0] not in ("root", "0") and s["User"][0]
    assert s["Restart"][0] in ("always", "on-failure")
    assert s["StateDirectory"], "the state directory is the one writable place"
    assert "ReadWritePaths" not in s and "ReadWriteDirectories" not in s
    assert s["CapabilityBoundingSet"] == [""]
    assert parse_unit(UNITS / name)["Unit"]["StartLimitIntervalSec"] == ["0"]


def test_kiosk_unit_works_where_its_libraries_need_it():
    s = parse_unit(UNITS / "kiosk.service")["Service"]
    # lgpio makes its pipes in the working directory: it must be the writable state directory.
    assert s["WorkingDirectory"] == ["%S/" + s["StateDirectory"][0]]
    # ProtectClock='s filter refuses even reading adjtimex(2): every entry would be flagged unsynchronised.
    assert "ProtectClock" not in s
    assert s["CapabilityBoundingSet"] == [""]     # which already keeps it from setting the clock


def test_kiosk_unit_uses_the_watchdog():
    s = parse_unit(UNITS / "kiosk.service")["Service"]
    assert s["Type"] == ["notify"]
    assert int(s["WatchdogSec"][0]) >= 10
    assert s["StateDirectory"] == ["gate-checkpoint"]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
@pytest.mark.parametrize("name", ["kiosk.service", "community-server.service"])
def test_systemd_accepts_the_unit(tmp_path, name):
    # The units name the install location; point them at this checkout's environment.
    text = (UNITS / name).read_text().replace("/opt/gate-checkpoint/.venv/bin", str(VENV_BIN))
    unit = tmp_path / name
    unit.write_text(text)
    proc = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    problems = [line for line in (proc.stdout + proc.stderr).splitlines()
                if name in line or "Unknown" in line or "ignoring" in line.lower()]
    assert proc.returncode == 0 and not problems, proc.stdout + proc.stderr


def test_autostart_entry_runs_the_launcher():
    text = (UNITS / "kiosk-browser.desktop").read_text()
    assert "Exec=/opt/gate-checkpoint/config/systemd/kiosk-browser.sh" in text
    assert os.access(UNITS / "kiosk-browser.sh", os.X_OK)


def _wait_until_locked(lock: Path, seconds: float = 30.0) -> None:
    """Until the first launcher holds its lock: a second one started before that would
    take the lock itself, a race the test would be measuring instead of the launcher.
    Read from /proc/locks, since trying the lock would race with the launcher too."""
    def locked() -> bool:
        if not lock.exists():
            return False
        inode = f":{lock.stat().st_ino} "
        return any("FLOCK" in line and inode in line + " " for line in Path("/proc/locks").read_text().splitlines())

    wait_until(locked, seconds, f"the launcher to take its lock {lock}")


def test_launcher_waits_for_the_page_then_opens_it_in_kiosk_mode(tmp_path):
    # A stand-in for Chromium (there is no display here): records its arguments, then
    # stops the launcher's loop.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    args_file = tmp_path / "args"
    (bin_dir / "chromium").write_text(f'#!/bin/sh\necho "$@" > {args_file}\nkill $PPID\n')
    (bin_dir / "chromium").chmod(0o755)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    port = server.server_address[1]
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path), "KIOSK_URL": f"http://127.0.0.1:{port}/",
           "XDG_RUNTIME_DIR": str(tmp_path)}
    proc = subprocess.Popen(["sh", str(UNITS / "kiosk-browser.sh")], env=env, cwd=tmp_path)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    try:
        _wait_until_locked(tmp_path / "kiosk-browser.lock")
        # Started a second time (both autostart mechanisms of a desktop): it steps aside.
        second = subprocess.run(["sh", str(UNITS / "kiosk-browser.sh")], env=env, cwd=tmp_path,
                                capture_output=True, text=True, timeout=10)
        assert second.returncode == 0 and "already running" in second.stderr
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(3)                      # nothing answers yet: it keeps waiting
        assert not args_file.exists()
        serving.start()
        proc.wait(15)
    finally:
        if proc.poll() is None:
            proc.kill()
        if serving.is_alive():
            server.shutdown()
        server.server_close()
    args = args_file.read_text().split()
    assert "--kiosk" in args and f"--app=http://127.0.0.1:{port}/" in args
    # Chromium dropped these two; the restore-pages bubble is hidden by its current flag.
    assert "--hide-crash-restore-bubble" in args
    assert not {"--disable-infobars", "--disable-session-crashed-bubble"} & set(args)


def test_udev_rule_names_the_thermometer():
    rules = [line for line in (REPO / "config/udev/99-thermometer.rules").read_text().splitlines()
             if line and not line.startswith("#")]
    assert rules and all('SYMLINK+="thermometer"' in r and 'SUBSYSTEM=="tty"' in r for r in rules)
    if shutil.which("udevadm"):
        proc = subprocess.run(["udevadm", "verify", str(REPO / "config/udev/99-thermometer.rules")],
                              capture_output=True, text=True)
        if "Unknown command" not in proc.stderr and "unrecognized" not in proc.stderr.lower():
            assert proc.returncode == 0, proc.stderr
