"""`community-server broker-config` output used as the install guide says: Debian's
Mosquitto started by root on it (it reads the password file and its key only after it
has become the 'mosquitto' user), and a kiosk connecting with the section made for it."""

from __future__ import annotations

import grp
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from kiosk import doctor
from sync.mosquitto import free_port
from sync.server.cli import main
from tests.kiosk.test_doctor import by_name, write_config
from tests.waiting import holds_for

MOSQUITTO = Path("/usr/sbin/mosquitto")


def test_credential_files_are_private(tmp_path):
    assert main(["broker-config", "--dir", str(tmp_path / "b"), "--kiosk", "s1/g1"]) == 0
    for path in (tmp_path / "b/kiosks/s1.g1.toml", tmp_path / "b/server-mqtt.toml", tmp_path / "b/credentials.json"):
        assert path.stat().st_mode & 0o077 == 0, path


@pytest.mark.skipif(not MOSQUITTO.exists() or os.geteuid() != 0, reason="needs Debian's mosquitto, started as root")
def test_debian_mosquitto_runs_the_generated_config_and_a_kiosk_connects(tmp_path, request):
    try:
        grp.getgrnam("mosquitto")
    except KeyError:
        pytest.skip("no 'mosquitto' user: Mosquitto is not installed the Debian way")
    # Outside pytest's private folder: the broker user must walk to its files, as under /etc/mosquitto.
    d = Path(tempfile.mkdtemp(prefix="broker-config-"))
    d.chmod(0o755)
    request.addfinalizer(lambda: shutil.rmtree(d, ignore_errors=True))
    port = free_port()
    assert main(["broker-config", "--dir", str(d), "--kiosk", "demo-site/gate-1", "--tls", "--listen", "127.0.0.1",
                 "--port", str(port), "--hostname", "127.0.0.1"]) == 0
    conf = (d / "mosquitto.conf").read_text().replace("persistence true", "persistence false")
    (d / "test.conf").write_text(conf)      # the one change: no database in /var/lib/mosquitto
    broker = subprocess.Popen([str(MOSQUITTO), "-c", str(d / "test.conf")], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        holds_for(lambda: broker.poll() is None, 1.0, lambda: "Mosquitto running on the installed config; it said "
                  + broker.communicate()[0])
        section = (d / "kiosks/demo-site.gate-1.toml").read_text()
        mqtt = {k.strip(): v.strip().strip('"') for k, _, v in
                (line.partition("=") for line in section.splitlines() if "=" in line)}
        mqtt["port"] = int(mqtt["port"])
        r = by_name(doctor.run(write_config(tmp_path, mqtt={"enabled": True, **mqtt}), seconds=0.3))["broker"]
        assert r.status == "ok" and "TLS" in r.summary, r.summary
    finally:
        broker.terminate()
        broker.communicate(timeout=10)
