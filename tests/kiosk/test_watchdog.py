"""The systemd notification protocol against a real unix datagram socket."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time

import pytest

from kiosk import config
from kiosk import watchdog
from kiosk.runtime import KioskRuntime
from kiosk.watchdog import Watchdog, notify, watchdog_interval_s
from tests.kiosk_toml import kiosk_toml
from tests.waiting import holds_for, wait_until

SCENARIO = """
[defaults]
start_s = 0.3
[[person]]
code = "RES-1"
temperature_c = 36.6
"""


@pytest.fixture
def notify_socket(tmp_path):
    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.setblocking(False)         # drain() reads what is there, never waits
    yield path, sock
    sock.close()


def drain(sock) -> list[str]:
    """What the socket holds now. It never waits for one more: a kiosk that pings every
    0.1 s would keep a read that waits 0.2 s for the next one going for ever."""
    got = []
    while True:
        try:
            got.append(sock.recv(4096).decode())
        except BlockingIOError:
            return got


@pytest.mark.parametrize("env, pid, expected", [
    ({}, 10, None),
    ({"WATCHDOG_USEC": "30000000"}, 10, 30.0),
    ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "10"}, 10, 30.0),
    ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "11"}, 10, None),   # for another process
    ({"WATCHDOG_USEC": "0"}, 10, None),
    ({"WATCHDOG_USEC": "soon"}, 10, None),
])
def test_watchdog_interval(env, pid, expected):
    assert watchdog_interval_s(env, pid) == expected


def test_notify_without_systemd_does_nothing():
    assert notify("READY=1", {}) is False
    Watchdog({}).alive()


def test_abstract_socket_address():
    name = f"kiosk-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(2)
        assert notify("READY=1", {"NOTIFY_SOCKET": "@" + name})
        assert sock.recv(100) == b"READY=1"


def test_pings_are_rate_limited(notify_socket):
    path, sock = notify_socket
    wd = Watchdog({"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "400000"})
    calls, started = 250, time.monotonic()
    for _ in range(calls):                          # the checkpoint loop, calling as fast as it goes
        wd.alive()
        time.sleep(0.002)
    elapsed = time.monotonic() - started
    got = drain(sock)
    assert set(got) == {"WATCHDOG=1"}
    # Every 0.1 s, not once a call: a loaded machine stretches the time, and the bound with it.
    assert 2 <= len(got) <= elapsed / 0.1 + 2 and calls > 3 * len(got), (len(got), calls, elapsed)


def test_a_listener_that_stops_reading_never_stalls_the_kiosk(notify_socket, caplog, monkeypatch):
    # Nobody reads the socket: its queue fills (a handful of datagrams on Linux). A
    # blocking send would hang the checkpoint loop that pings, and with it the gate.
    path, _ = notify_socket
    env = {"NOTIFY_SOCKET": str(path)}
    monkeypatch.setattr(watchdog, "_backed_up", False)
    done = threading.Event()
    sent = []

    def ping():
        for _ in range(500):
            sent.append(notify("WATCHDOG=1", env))
        done.set()

    threading.Thread(target=ping, daemon=True).start()
    assert done.wait(5), "a notification blocked on a full socket"
    assert sent[0] is True and sent[-1] is False
    assert sum("is full" in r.getMessage() for r in caplog.records) == 1     # said once, not 500 times


def test_kiosk_pings_while_its_loop_runs_and_stops_when_it_hangs(notify_socket, tmp_path, monkeypatch):
    path, sock = notify_socket
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    monkeypatch.setenv("WATCHDOG_USEC", "400000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    (tmp_path / "scenario.toml").write_text(SCENARIO)
    cfg = config.from_dict({"kiosk": {"state_dir": str(tmp_path / "state")}, "camera": {"type": "sim"},
                            "thermometer": {"type": "sim"}, "relay": {"type": "sim"}, "ui": {"port": 0},
                            "mqtt": {"enabled": False}, "sim": {"scenario": str(tmp_path / "scenario.toml")}})
    rt = KioskRuntime(cfg)
    rt.start()
    hang = threading.Event()
    try:
        got: list[str] = []
        wait_until(lambda: (got.extend(drain(sock)), got.count("WATCHDOG=1") >= 3)[1], 60, "three pings")
        # The camera read never returns: the decide loop is stuck, the rest of the kiosk is not.
        real_read, stuck = rt.devices.camera.read, threading.Event()

        def read_that_hangs(timeout=1.0):
            stuck.set()
            return hang.wait() or real_read(timeout)

        rt.devices.camera.read = read_that_hangs
        wait_until(stuck.is_set, 30, "the decide loop to reach the hanging read")
        drain(sock)                         # pings sent before it got stuck
        holds_for(lambda: drain(sock) == [], 1.0, "no ping while the loop hangs")
        assert rt.checkpoint._thread.is_alive()
    finally:
        hang.set()
        rt.stop()


def test_kiosk_run_tells_systemd_it_is_ready(notify_socket, tmp_path):
    path, sock = notify_socket
    (tmp_path / "scenario.toml").write_text(SCENARIO)
    (tmp_path / "kiosk.toml").write_text(kiosk_toml(kiosk={"state_dir": str(tmp_path / "state")}, ui={"port": 0},
                                                    mqtt={"enabled": False},
                                                    sim={"scenario": str(tmp_path / "scenario.toml")}))
    env = {**os.environ, "NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "1000000"}
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "run", "-c", str(tmp_path / "kiosk.toml")],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        got: list[str] = []

        def ready_and_pinging() -> bool:
            got.extend(drain(sock))
            return any(m.startswith("READY=1") for m in got) and got.count("WATCHDOG=1") >= 3

        wait_until(ready_and_pinging, 60, lambda: f"READY=1 and three pings (heard {got})")
    finally:
        proc.terminate()
        proc.wait(10)
    assert "STOPPING=1" in drain(sock)
