"""The console scripts stop cleanly on Ctrl-C and on systemd's SIGTERM, through the one
set-up in sync/cliboot.py."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from drivers.sim.thermometer import PtyThermometerSim
from sync.cliboot import stop_event, stopping
from tests.waiting import wait_until

REPO = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def own_handlers():
    """The test process's own SIGINT/SIGTERM handlers, put back afterwards."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_and_sigterm_ask_the_command_to_stop(own_handlers, sig):
    done = stop_event()
    assert not done.is_set()
    os.kill(os.getpid(), sig)
    wait_until(done.is_set, 10, f"the stop event after {sig.name}")


def test_kiosk_thermometer_stops_on_ctrl_c_with_its_summary(tmp_path):
    sim = PtyThermometerSim(protocol="ascii", link_path=tmp_path / "usb-thermo", seed=4)
    sim.hold(36.6)
    sim.start()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([str(Path(sys.executable).with_name("kiosk")), "thermometer", "--port", sim.port,
                             "--protocol", "ascii"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    try:
        assert json.loads(proc.stdout.readline())["object_c"] > 36     # reading: it runs until stopped
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        sim.stop()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert json.loads(err.strip().splitlines()[-1])["readings"] >= 1


def test_community_server_run_stops_on_sigterm(tmp_path, broker):
    from tests.sync.procs import write_server_config

    config = write_server_config(tmp_path / "server" / "server.toml", broker.port)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "sync.server.cli", "run", "--config", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
    try:
        assert "community server: API at" in proc.stdout.readline()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_a_command_run_inside_another_program_gives_its_signals_back(own_handlers):
    def mine(*_):
        pass

    signal.signal(signal.SIGTERM, mine)
    with stopping() as done:
        os.kill(os.getpid(), signal.SIGTERM)
        wait_until(done.is_set, 10, "the stop event after SIGTERM")
    assert signal.getsignal(signal.SIGTERM) is mine
