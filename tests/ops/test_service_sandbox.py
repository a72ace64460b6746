"""The kiosk and the community server inside the sandbox their systemd units ask for.

systemd is not the init system everywhere the tests run, so the sandbox is built here
the way systemd builds it from the units' settings, in a private mount namespace: the
whole file system read-only (``ProtectSystem=strict``), ``/home`` and ``/root`` hidden
(``ProtectHome=true``), a fresh ``/tmp`` (``PrivateTmp=true``), the state directory the
one writable place (``StateDirectory=``), an unprivileged user with no supplementary
groups, no new privileges and ``UMask=0077``. Then the real programs run in it against a
real Mosquitto, the way the units start them, and tell a real notification socket that
they are ready. Anything either program writes outside its state directory fails here
as it would on the Pi. The units are the ones scripts/install.sh installs (into a scratch
root here), and the programs start with those units' own ExecStartPre= and ExecStart=.
Where systemd is PID 1 it could start them itself; here (a container) it is not.
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import socket
import sqlite3
import subprocess
import sys
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest

from kiosk.journal import Journal
from sync.mosquitto import free_port
from tests.kiosk_toml import kiosk_toml
from tests.ops.scratch_pi import PI5, WHY_NOT, ScratchPi
from tests.ops.test_install_files import UNITS, parse_unit
from tests.waiting import wait_until

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
NOBODY = 65534
INSIDE = Path("/srv")            # where the test's folder appears inside the sandbox
# Hidden or replaced inside the sandbox, as systemd does with ProtectHome= and PrivateTmp=.
HIDDEN = (Path("/home"), Path("/root"), Path("/tmp"), Path("/var/tmp"))


def _kept_paths() -> list[str]:
    """What the programs need from the hidden places on this machine, brought back
    read-only: a Python installed in a home directory, a checkout (and its virtual
    environment) cloned under /tmp. On a Pi both live in /usr and /opt and nothing is kept."""
    wanted = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), REPO.resolve()}
    hidden = [p for p in wanted if any(p.is_relative_to(h) for h in HIDDEN)]
    return sorted(str(p) for p in hidden if not any(p != q and p.is_relative_to(q) for q in hidden))


KEEP = "\n".join(_kept_paths())

# $1: the test's folder (etc/ read-only, state/ writable, keep/ the mount points for KEEP);
# the rest: the command.
SANDBOX = r"""
set -e
T="$1"; shift
mount --bind "$T" /srv
mount --bind /srv/state /srv/state
i=0
echo "$KEEP" | while read -r p; do
    [ -z "$p" ] && continue
    mkdir -p "/srv/keep/$i"; mount --bind "$p" "/srv/keep/$i"; i=$((i + 1))
done
mount -o remount,bind,ro /srv
for d in /home /root; do [ -d "$d" ] && mount -t tmpfs -o mode=755 tmpfs "$d"; done
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=1777 tmpfs /var/tmp
i=0
echo "$KEEP" | while read -r p; do
    [ -z "$p" ] && continue
    mkdir -p "$p"; mount --bind "/srv/keep/$i" "$p"; mount -o remount,bind,ro "$p"; i=$((i + 1))
done
for d in /home /root; do [ -d "$d" ] && mount -o remount,ro "$d"; done
mount -o remount,bind,ro /
umask 077
cd "$WORKDIR"
exec setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs "$@"
"""


def _sandbox_possible() -> str | None:
    if os.geteuid() != 0:
        return "building the sandbox needs root (mount namespaces)"
    for tool in ("unshare", "setpriv"):
        if subprocess.run(["which", tool], capture_output=True).returncode:
            return f"{tool} (util-linux) is not installed"
    if not INSIDE.is_dir():
        return f"{INSIDE} does not exist to mount the test's folder on"
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"], capture_output=True, text=True)
    return f"no mount namespaces here: {probe.stderr.strip()}" if probe.returncode else None


why_not = _sandbox_possible() or WHY_NOT
if why_not:
    pytest.skip(why_not, allow_module_level=True)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The units scripts/install.sh installs: a kiosk and a server into one scratch root."""
    pi = ScratchPi(tmp_path_factory.mktemp("installed"), PI5)
    pi.install(*pi.kiosk_args())
    pi.install("server", "--hostname", "gate-server.local", "--kiosk", "east/gate-1")
    return pi.root / "etc/systemd/system"


def test_installed_units_ask_for_the_sandbox_built_here(installed):
    for name, state in (("kiosk.service", "gate-checkpoint"), ("community-server.service", "community-server")):
        # The shipped unit, pointed at this checkout.
        assert (installed / name).read_text() == (UNITS / name).read_text().replace("/opt/gate-checkpoint", str(REPO))
        s = parse_unit(installed / name)["Service"]
        assert (s["ProtectSystem"], s["ProtectHome"], s["PrivateTmp"]) == (["strict"], ["true"], ["true"]), name
        assert s["StateDirectory"] == [state] and s["UMask"] == ["0077"] and s["NoNewPrivileges"] == ["true"], name


def unit_command(installed: Path, unit: str, key: str) -> list[str]:
    """The unit's ExecStart= or ExecStartPre=, its config file the one in the sandbox's etc/
    and its virtual environment the one running these tests."""
    line = parse_unit(installed / unit)["Service"][key][0]
    line = line.replace("/etc/gate-checkpoint/", f"{INSIDE}/etc/")
    return shlex.split(line.replace(f"{REPO}/.venv/bin/", f"{Path(sys.executable).parent}/"))


class Sandboxed:
    """One program in the sandbox; ``folder`` holds etc/ and state/ (owned by nobody)."""

    def __init__(self, folder: Path, unit: Path, *, notify: Path | None = None) -> None:
        self.folder = folder
        env = {**ENV, "HOME": str(INSIDE / "state"), "WORKDIR": working_directory(unit)}
        if notify is not None:
            env.update(NOTIFY_SOCKET=str(INSIDE / notify.name), WATCHDOG_USEC="2000000")
        self.log = (folder / "log").open("w")
        self.proc = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c", SANDBOX, "sandbox",
                                      str(folder), *unit_command(unit.parent, unit.name, "ExecStart")],
                                     cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return (self.folder / "log").read_text()

    def stop(self) -> int:
        self.proc.terminate()
        try:
            return self.proc.wait(20)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.log.close()


ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONUNBUFFERED": "1", "KEEP": KEEP,
       "PYTHONPATH": str(REPO)}


def working_directory(unit: Path) -> str:
    """The unit's WorkingDirectory= inside the sandbox (systemd's default is /)."""
    service = parse_unit(unit)["Service"]
    return service.get("WorkingDirectory", ["/"])[0].replace("%S/" + service["StateDirectory"][0], str(INSIDE / "state"))


def make_folder(base: Path, name: str, files: dict[str, str]) -> Path:
    folder = base / name
    (folder / "etc").mkdir(parents=True)
    (folder / "state").mkdir()
    (folder / "keep").mkdir()
    for fname, text in files.items():
        (folder / "etc" / fname).write_text(text)
    for p in (base, folder, folder / "etc", *(folder / "etc").iterdir()):
        p.chmod(0o755 if p.is_dir() else 0o644)
    os.chown(folder / "state", NOBODY, NOBODY)
    (folder / "state").chmod(0o700)
    return folder


def run_inside(folder: Path, unit: Path, command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", SANDBOX, "sandbox",
                           str(folder), *command],
                          cwd=REPO, env={**ENV, "WORKDIR": working_directory(unit)}, capture_output=True, text=True,
                          timeout=60)


def receive(sock: socket.socket, until, seconds: float, what) -> list[str]:
    """The notify socket's messages, read until ``until(messages)`` holds."""
    got: list[str] = []

    def heard() -> bool:
        try:
            got.append(sock.recv(4096).decode())
        except TimeoutError:
            pass
        return until(got)

    wait_until(heard, seconds, lambda: f"{what() if callable(what) else what} (heard {got})")
    return got


SCENARIO = """
[defaults]
gap_s = 1.0
show_s = 2.0
start_s = 3.0          # the sandboxed kiosk on a busy machine: its thermometer streaming first
[[person]]
code = "RES-0004"
temperature_c = 36.6
[[person]]
code = "STAFF-0042"
temperature_c = 38.4
"""


def test_kiosk_and_server_work_with_only_their_state_directories_writable(tmp_path, broker, installed):
    base = tmp_path / "sandbox"
    base.mkdir()
    http_port, ui_port = free_port(), free_port()
    server = make_folder(base, "server", {"server.toml": f"""
[server]
state_dir = "{INSIDE}/state"
[mqtt]
port = {broker.port}
[http]
port = {http_port}
"""})
    kiosk = make_folder(base, "kiosk", {
        "scenario.toml": SCENARIO,
        "registry.json": (REPO / "config/demo/registry.json").read_text(),
        "kiosk.toml": kiosk_toml(kiosk={"site": "demo-site", "gate": "gate-1", "state_dir": f"{INSIDE}/state"},
                                 ui={"port": ui_port}, mqtt={"port": broker.port, "linger_ms": 10},
                                 registry={"file": f"{INSIDE}/etc/registry.json"},
                                 sim={"scenario": f"{INSIDE}/etc/scenario.toml"})})
    server_unit, kiosk_unit = installed / "community-server.service", installed / "kiosk.service"
    for folder, unit in ((server, server_unit), (kiosk, kiosk_unit)):
        pre = run_inside(folder, unit, unit_command(installed, unit.name, "ExecStartPre"))
        assert pre.returncode == 0 and "OK" in pre.stdout, pre.stdout + pre.stderr

    notify_path = kiosk / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(notify_path))
    notify_path.chmod(0o666)          # as /run/systemd/notify: any service user may send
    sock.settimeout(0.2)
    srv = Sandboxed(server, server_unit)
    kio = Sandboxed(kiosk, kiosk_unit, notify=notify_path)
    try:
        got = receive(sock, lambda g: any(m.startswith("READY=1") for m in g), 120,
                      lambda: "READY=1 from the kiosk; it said " + kio.output())
        ready = next(m for m in got if m.startswith("READY=1"))
        assert f"STATUS=touchscreen at http://127.0.0.1:{ui_port}/" in ready
        with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/", timeout=10) as r:
            assert r.status == 200
        receive(sock, lambda g: g.count("WATCHDOG=1") >= 2, 60, lambda: "two watchdog pings; it said " + kio.output())

        # Both people decided, journaled in the state directory and stored by the server.
        db = server / "state" / "server.sqlite3"

        def stored() -> int:
            if not db.exists():
                return 0
            with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
                return conn.execute("SELECT count(*) FROM entries").fetchone()[0]

        wait_until(lambda: stored() == 2, 60, lambda: "both entries on the server; they said " + kio.output() + srv.output())
        with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/", timeout=10) as r:
            assert r.status == 200
    finally:
        kio_rc = kio.stop()
        srv_rc = srv.stop()
        sock.close()
    assert (kio_rc, srv_rc) == (0, 0), kio.output() + srv.output()
    logs = kio.output() + srv.output()
    for trouble in ("Read-only file system", "Permission denied", "Traceback", "ERROR"):
        assert trouble not in logs, logs

    # Everything they wrote is theirs and private (UMask=0077), and nothing else was written.
    for folder in (kiosk, server):
        for path in (folder / "state").rglob("*"):
            st = path.stat()
            assert st.st_uid == NOBODY and not st.st_mode & 0o077, path
    assert sorted(p.name for p in (kiosk / "etc").iterdir()) == ["kiosk.toml", "registry.json", "scenario.toml"]

    j = Journal(kiosk / "state" / "journal.sqlite3", site="demo-site", gate="gate-1")
    try:
        entries = list(j.iter_all())
        assert [e["decision"] for e in entries] == ["admit", "deny"], [(e["decision"], e["reasons"]) for e in entries]
        assert j.acked_seq() == 2
    finally:
        j.close()


@pytest.mark.skipif(importlib.util.find_spec("lgpio") is None, reason="lgpio is not installed (python3-lgpio on a Pi)")
def test_gpio_library_loads_in_the_kiosk_sandbox(tmp_path, installed):
    # lgpio opens its notification pipe in the working directory as soon as it is imported.
    folder = make_folder(tmp_path, "kiosk", {})
    proc = run_inside(folder, installed / "kiosk.service", [sys.executable, "-c", "import lgpio"])
    assert proc.returncode == 0, proc.stderr
