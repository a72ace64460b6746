"""The generated broker config, run by a real Mosquitto: each kiosk writes only as
itself, and the outbox says clearly why it cannot connect."""

from __future__ import annotations

import json
import logging
import os
import socket
import sqlite3
import sys
import threading
from contextlib import closing
from functools import partial

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from kiosk import config as kiosk_config
from kiosk.journal import Journal
from sync import schema, topics
from sync.link import LinkState
from sync.mosquitto import MOSQUITTO, Broker, free_port
from sync.outbox import Outbox
from sync.server import config as server_config
from sync.server.broker_setup import KioskId, hash_password, security_lines, write_broker_config
from sync.server.runtime import ServerRuntime
from tests.places import REPO
from tests.sync.procs import journal_entries
from tests.waiting import holds_for, wait_until


def test_password_hash_format_is_mosquittos():
    h = hash_password("secret", salt=b"0123456789ab")
    kind, iterations, salt, digest = h.split("$")[1:]
    assert (kind, iterations, salt) == ("7", "101", "MDEyMzQ1Njc4OWFi") and len(digest) == 88


@pytest.fixture
def secured(tmp_path):
    conf = tmp_path / "brokerconf"
    cert_port = free_port()
    creds = write_broker_config(conf, [KioskId("s1", "g1"), KioskId("s1", "g2")], tls=True,
                                hostnames=["127.0.0.1"], client_certs=True, cert_port=cert_port)
    b = Broker(tmp_path / "broker", allow_anonymous=False, extra=security_lines(conf, tls=True, cert_port=cert_port))
    b.cert_port = cert_port
    b.start()
    # start() waits for the first listener; the certificate one opens after it.
    wait_until(lambda: _accepts(cert_port), 30, f"mosquitto to listen on its certificate port {cert_port}")
    yield b, conf, creds
    b.stop()


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def kiosk_cfg(conf, port: int, user: str, **over):
    """A kiosk's [mqtt] section as broker-config wrote it: logging in by certificate, or
    (``by_password``) on the password listener with its account."""
    import tomllib

    mqtt_section = tomllib.loads((conf / "kiosks" / f"{user}.toml").read_text())["mqtt"]
    if over.pop("by_password", True):
        creds = json.loads((conf / "credentials.json").read_text())
        for key in ("cert_file", "key_file"):
            mqtt_section.pop(key)
        mqtt_section.update(username=user, password=creds[user])
    mqtt_section.update(port=port, linger_ms=10, ack_timeout_s=2.0, **over)
    return kiosk_config.from_dict({"mqtt": mqtt_section}).mqtt


def test_each_kiosk_writes_only_as_itself(tmp_path, secured):
    broker, conf, creds = secured
    import tomllib

    srv_mqtt = tomllib.loads((conf / "server-mqtt.toml").read_text())["mqtt"]
    cfg = server_config.from_dict({"server": {"state_dir": str(tmp_path / "srv")},
                                   "mqtt": {**srv_mqtt, "port": broker.port}, "http": {"enabled": False}})
    server = ServerRuntime(cfg)
    server.start()
    try:
        journal = Journal(tmp_path / "g1.sqlite3", site="s1", gate="g1")
        journal_entries(300, journal)
        ob = Outbox(kiosk_cfg(conf, broker.port, "s1.g1"), site="s1", gate="g1",
                    open_journal=partial(Journal, tmp_path / "g1.sqlite3", site="s1", gate="g1"))
        ob.start()
        wait_until(lambda: journal.backlog() == 0, 30, lambda: f"the backlog to drain (link {ob.state})")

        # Gate 2's kiosk, with its own valid credentials, tries to write as gate 1.
        forged = Journal(tmp_path / "forged.sqlite3", site="s1", gate="g1")
        journal_entries(400, forged)
        c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="s1.g2")
        c.username_pw_set("s1.g2", creds["s1.g2"])
        c.tls_set(ca_certs=str(conf / "tls" / "ca.crt"))
        c.connect("127.0.0.1", broker.port)
        c.loop_start()
        for status_topic in (topics.ENTRIES.format("s1", "g1"),):
            info = c.publish(status_topic, schema.encode_batch("s1", "g1", forged.entries_after(300, 100)), qos=1)
            info.wait_for_publish(timeout=5)
        info = c.publish(topics.STATUS.format("s1", "g1"), schema.encode_status({"state": "offline"}),
                         qos=1, retain=True)
        info.wait_for_publish(timeout=5)
        c.loop_stop()
        c.disconnect()
        own = [(e["seq"], e["hash"]) for e in journal.iter_all()]

        def stored() -> list:
            with closing(sqlite3.connect(cfg.sqlite_path)) as db:
                return db.execute("SELECT seq, hash FROM entries ORDER BY seq").fetchall()

        holds_for(lambda: stored() == own, 1.0, "the server to hold the kiosk's own entries only")
        ob.stop()
        # The forged "offline" never landed; the kiosk's own goodbye did.
        wait_until(lambda: server.storage.gates()[0]["status"]["state"] == "stopped", 30,
                   "the kiosk's last will (state stopped) on the server")
    finally:
        server.stop()


@pytest.mark.parametrize("over, state", [
    ({"password": "wrong"}, LinkState.AUTH_FAILED),
    ({"username": None, "password": None}, LinkState.AUTH_FAILED),
    # A plain-text client on a TLS listener: the broker hangs up without a CONNACK.
    ({"ca_file": None, "cert_file": None, "key_file": None}, LinkState.UNREACHABLE),
    ({"ca_file": "OTHER_CA"}, LinkState.TLS_FAILED),
    ({"port": "CLOSED"}, LinkState.UNREACHABLE),
])
def test_the_outbox_says_why_it_cannot_connect(tmp_path, secured, over, state, caplog):
    broker, conf, creds = secured
    caplog.set_level(logging.INFO, logger="sync.link")
    over = dict(over)
    if over.get("ca_file") == "OTHER_CA":
        from sync.server.certs import ensure_ca

        over["ca_file"] = ensure_ca(tmp_path / "other-ca")[0]
    if over.get("port") == "CLOSED":
        over["port"] = free_port()
    cfg = kiosk_cfg(conf, over.pop("port", broker.port), "s1.g1", **over)
    ob = Outbox(cfg, site="s1", gate="g1", open_journal=partial(Journal, tmp_path / "j.sqlite3", site="s1", gate="g1"))
    ob.start()
    try:
        wait_until(lambda: ob.state == state, 30, lambda: f"the link to say {state} (it says {ob.state})")
        assert ob.link.last_error
        # The log says it in words, with the broker's address.
        line = next(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
        assert f"outbox: {state.value} (127.0.0.1:{cfg.port})" in line, line
    finally:
        ob.stop()


def test_a_kiosk_logs_in_by_certificate_alone_and_the_acl_holds(tmp_path, secured):
    broker, conf, creds = secured
    import tomllib

    cfg = kiosk_cfg(conf, broker.cert_port, "s1.g1", by_password=False)
    assert cfg.cert_file.exists() and cfg.username is None and cfg.password is None
    srv_mqtt = tomllib.loads((conf / "server-mqtt.toml").read_text())["mqtt"]
    server = ServerRuntime(server_config.from_dict({"server": {"state_dir": str(tmp_path / "srv")},
                                                    "mqtt": {**srv_mqtt, "port": broker.port},
                                                    "http": {"enabled": False}}))
    server.start()
    journal = Journal(tmp_path / "g1.sqlite3", site="s1", gate="g1")
    journal_entries(200, journal)
    ob = Outbox(cfg, site="s1", gate="g1", open_journal=partial(Journal, tmp_path / "g1.sqlite3", site="s1", gate="g1"))
    ob.start()
    try:
        wait_until(lambda: journal.backlog() == 0, 60,
                   lambda: f"the backlog to drain (link {ob.state}, last error {ob.link.last_error})")
        # Gate 2's certificate names gate 2: writing as gate 1 is dropped by the ACL.
        forged = Journal(tmp_path / "forged.sqlite3", site="s1", gate="g1")
        journal_entries(300, forged)
        c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="s1.g2")
        clients = conf / "tls" / "clients"
        c.tls_set(ca_certs=str(conf / "tls" / "ca.crt"), certfile=str(clients / "s1.g2.crt"),
                  keyfile=str(clients / "s1.g2.key"))
        c.connect("127.0.0.1", broker.cert_port)
        c.loop_start()
        wait_until(c.is_connected, 30, "the client to connect")
        c.publish(topics.ENTRIES.format("s1", "g1"), schema.encode_batch("s1", "g1", forged.entries_after(200, 100)),
                  qos=1).wait_for_publish(timeout=5)
        c.loop_stop()
        c.disconnect()

        def stored() -> tuple:
            with closing(sqlite3.connect(server.cfg.sqlite_path)) as db:
                return db.execute("SELECT MAX(seq), COUNT(*) FROM entries").fetchone()

        holds_for(lambda: server.storage.contiguous_seq("s1", "g1") == 200 and stored() == (200, 200), 1.0,
                  "gate 1's 200 entries and nothing forged")
    finally:
        ob.stop()
        server.stop()

    # No certificate, or one from another CA: that listener lets nobody in.
    from sync.server.certs import issue

    other = tmp_path / "other-ca"
    issue(other, "s1.g1", "s1.g1", ca_dir=other)
    for cert, key in ((None, None), (other / "s1.g1.crt", other / "s1.g1.key")):
        ob = Outbox(kiosk_cfg(conf, broker.cert_port, "s1.g1", by_password=False, cert_file=cert, key_file=key),
                    site="s1", gate="g1", open_journal=partial(Journal, tmp_path / "g1.sqlite3", site="s1", gate="g1"))
        ob.start()
        try:
            wait_until(lambda: ob.state == LinkState.TLS_FAILED, 30,
                       lambda: f"the link to say TLS failed (it says {ob.state})")
            holds_for(lambda: ob.state != LinkState.CONNECTED, 1.0, "no connection without a trusted certificate")
            assert ob.link.last_error
        finally:
            ob.stop()


def test_the_written_mosquitto_conf_runs_and_shuts_anonymous_out(tmp_path):
    """The files broker-config writes, run as they are by a real Mosquitto."""
    import subprocess

    port, cert_port = free_port(), free_port()
    conf = tmp_path / "conf"
    state = tmp_path / "mosquitto-state"
    state.mkdir()
    r = subprocess.run([sys.executable, "-m", "sync.server.cli", "broker-config", "--dir", str(conf),
                        "--kiosk", "s1/g1", "--port", str(port), "--listen", "127.0.0.1", "--tls",
                        "--hostname", "127.0.0.1", "--client-certs", "--cert-port", str(cert_port),
                        "--persistence-dir", f"{state}/"], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stderr
    text = (conf / "mosquitto.conf").read_text()
    assert "max_queued_messages 100000" in text and "allow_anonymous false" in text
    if os.geteuid() == 0:
        # As root, Mosquitto would drop to user "mosquitto", who cannot read a temporary directory.
        text += "user root\n"
    (conf / "run.conf").write_text(text)
    with open(tmp_path / "mosquitto.stderr", "wb") as err:
        proc = subprocess.Popen([MOSQUITTO, "-c", str(conf / "run.conf")], stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_until(lambda: _listening(port) and _listening(cert_port), 30,
                   lambda: "Mosquitto to listen on both ports; it said " + (tmp_path / "mosquitto.stderr").read_text())
        import tomllib

        creds = json.loads((conf / "credentials.json").read_text())
        ca = str(conf / "tls" / "ca.crt")
        for login, want in ((("s1.g1", creds["s1.g1"]), True), (("s1.g1", "wrong"), False), (None, False)):
            c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="probe")
            if login:
                c.username_pw_set(*login)
            c.tls_set(ca_certs=ca)
            answered = threading.Event()
            c.on_connect = lambda *_: answered.set()
            c.on_connect_fail = lambda *_: answered.set()
            c.on_disconnect = lambda *_: answered.set()
            c.connect("127.0.0.1", port)
            c.loop_start()
            wait_until(lambda: answered.is_set() and (c.is_connected() or not want), 30, f"the broker's answer to {login}")
            assert c.is_connected() is want, login
            c.loop_stop()
            c.disconnect()
        kiosk = tomllib.loads((conf / "kiosks" / "s1.g1.toml").read_text())["mqtt"]
        assert kiosk["port"] == cert_port
        c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="s1.g1")
        c.tls_set(ca_certs=kiosk["ca_file"], certfile=kiosk["cert_file"], keyfile=kiosk["key_file"])
        c.connect("127.0.0.1", cert_port)
        c.loop_start()
        wait_until(c.is_connected, 30, "the client to connect")
        c.loop_stop()
        c.disconnect()
    finally:
        proc.terminate()
        proc.wait(10)


def _listening(port: int) -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def test_acl_file_lists_only_own_topics(tmp_path):
    write_broker_config(tmp_path, [KioskId("s1", "g1")])
    acl = (tmp_path / "acl").read_text()
    block = acl.split("user s1.g1")[1]
    assert "topic write checkpoint/v1/s1/g1/entries" in block
    assert "topic read checkpoint/v1/s1/registry" in block
    # The one wildcard a kiosk may read: the collectors' online/offline, nothing of others.
    wildcards = [line for line in block.splitlines() if "+" in line]
    assert wildcards == [f"topic read {topics.COLLECTOR.wildcard()}"]
    again = write_broker_config(tmp_path, [KioskId("s1", "g2")])
    assert set(again) == {"server", "s1.g1", "s1.g2"}
    assert json.loads((tmp_path / "credentials.json").read_text()) == again


def test_a_kiosk_reads_only_its_own_ack_and_its_sites_registry(tmp_path, secured):
    broker, conf, creds = secured
    ca = str(conf / "tls" / "ca.crt")
    got: list[str] = []
    kiosk = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="s1.g2")
    kiosk.username_pw_set("s1.g2", creds["s1.g2"])
    kiosk.tls_set(ca_certs=ca)
    kiosk.on_message = lambda c, u, m: got.append(m.topic)
    subscribed = threading.Event()
    kiosk.on_subscribe = lambda *_: subscribed.set()
    kiosk.connect("127.0.0.1", broker.port)
    kiosk.subscribe("checkpoint/v1/#", qos=1)
    kiosk.loop_start()
    server = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="server")
    server.username_pw_set("server", creds["server"])
    server.tls_set(ca_certs=ca)
    server.connect("127.0.0.1", broker.port)
    server.loop_start()
    try:
        wait_until(lambda: kiosk.is_connected() and server.is_connected() and subscribed.is_set(), 30,
                   "both clients connected, the kiosk subscribed")
        for topic in (topics.ACK.format("s1", "g1"), topics.ACK.format("s1", "g2"),
                      topics.REGISTRY.format("s1"), topics.REGISTRY.format("s2")):
            server.publish(topic, schema.encode_ack(1), qos=1).wait_for_publish(timeout=5)
        wait_until(lambda: len(got) >= 2, 30, "two messages")
        holds_for(lambda: len(got) == 2, 0.5, "no third message")
        assert sorted(got) == [topics.ACK.format("s1", "g2"), topics.REGISTRY.format("s1")]
    finally:
        for c in (kiosk, server):
            c.loop_stop()
            c.disconnect()
