"""`kiosk thermometer`: the console script reading the pty simulator, for bench work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from drivers.sim.thermometer import PtyThermometerSim

REPO = Path(__file__).resolve().parent.parent.parent


def run_kiosk(*args, timeout: float = 30):
    script = Path(sys.executable).with_name("kiosk")
    env = dict(os.environ, PYTHONPATH=str(REPO))     # the checkout under test, not an installed copy
    return subprocess.run([str(script), *args], capture_output=True, text=True, env=env, timeout=timeout)


@pytest.mark.parametrize("protocol, ambient", [("gy-mcu90614", 25.0), ("modbus-rtu", 25.0), ("ascii", None)])
def test_prints_one_json_line_per_reading(tmp_path, protocol, ambient):
    sim = PtyThermometerSim(protocol=protocol, link_path=tmp_path / "usb-thermo", seed=4)
    sim.hold(38.2)
    sim.start()
    try:
        p = run_kiosk("thermometer", "--port", sim.port, "--protocol", protocol, "--count", "3")
    finally:
        sim.stop()
    assert p.returncode == 0, p.stderr
    lines = [json.loads(line) for line in p.stdout.splitlines()]
    assert len(lines) == 3
    for line in lines:
        assert set(line) == {"object_c", "ambient_c", "ts"}
        assert abs(line["object_c"] - 38.2) <= 0.06
        assert line["ambient_c"] == ambient
        assert line["ts"].endswith("+00:00")
    summary = json.loads(p.stderr.strip().splitlines()[-1])
    assert summary["readings"] == 3 and summary["frames"] >= 3


def test_a_missing_port_says_absent_and_fails(tmp_path):
    p = run_kiosk("thermometer", "--port", str(tmp_path / "nothing-here"), "--protocol", "ascii",
                  "--seconds", "1")
    assert p.returncode == 1
    assert "absent" in p.stderr
    assert p.stdout == ""


def test_an_unknown_protocol_is_refused_by_name():
    p = run_kiosk("thermometer", "--port", "/dev/null", "--protocol", "fahrenheit-9000", "--count", "1")
    assert p.returncode == 2
    assert "unknown thermometer protocol 'fahrenheit-9000'" in p.stderr
    assert "modbus-rtu" in p.stderr


def test_the_simulator_command_serves_kiosk_thermometer(tmp_path):
    """No module at hand: `kiosk sim-thermometer` prints a port that `kiosk thermometer` reads."""
    script = Path(sys.executable).with_name("kiosk")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    link = tmp_path / "usb-sim-thermo"
    sim = subprocess.Popen([str(script), "sim-thermometer", "--protocol", "modbus-rtu", "--hold", "38.2",
                            "--fault", "garbage", "--link", str(link), "--seconds", "60"],
                           stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert sim.stdout.readline().strip() == str(link)
        p = run_kiosk("thermometer", "--port", str(link), "--protocol", "modbus-rtu", "--count", "3")
    finally:
        sim.terminate()
        sim.wait(timeout=10)
        sim.stdout.close()
    assert p.returncode == 0, p.stderr
    assert [round(json.loads(line)["object_c"]) for line in p.stdout.splitlines()] == [38, 38, 38]
    assert json.loads(p.stderr.strip().splitlines()[-1])["skipped_bytes"] > 0       # the garbage was there
    assert sim.returncode == 0 and not link.exists()


def test_the_simulator_command_refuses_an_unknown_fault():
    p = run_kiosk("sim-thermometer", "--fault", "gremlins", "--seconds", "1")
    assert p.returncode == 2
    assert "unknown fault gremlins" in p.stderr and "bad_checksum" in p.stderr
