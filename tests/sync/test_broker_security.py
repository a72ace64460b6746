"""The generated broker config, run by a real Mosquitto: each kiosk writes only as
itself, and the outbox says clearly why it cannot connect."""

from __future__ import annotations

import json
import sqlite3
import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from kiosk import config as kiosk_config
from kiosk.journal import Journal
from sync import schema, topics
from sync.broker import Broker
from sync.link import LinkState
from sync.outbox import Outbox
from sync.server import config as server_config
from sync.server.broker_setup import KioskId, hash_password, security_lines, write_broker_config
from sync.server.runtime import ServerRuntime
from tests.conftest import free_port
from tests.sync.procs import journal_entries, wait_until


def test_password_hash_format_is_mosquittos():
    h = hash_password("secret", salt=b"0123456789ab")
    kind, iterations, salt, digest = h.split("$")[1:]
    assert (kind, iterations, salt) == ("7", "101", "MDEyMzQ1Njc4OWFi") and len(digest) == 88


@pytest.fixture
def secured(tmp_path):
    conf = tmp_path / "brokerconf"
    creds = write_broker_config(conf, [KioskId("s1", "g1"), KioskId("s1", "g2")], tls=True,
                                hostnames=["127.0.0.1"], client_certs=True)
    b = Broker(tmp_path / "broker", allow_anonymous=False, extra=security_lines(conf, tls=True, client_certs=True))
    b.start()
    yield b, conf, creds
    b.stop()


def kiosk_cfg(conf, port: int, user: str, **over):
    text = (conf / "kiosks" / f"{user}.toml").read_text()
    import tomllib

    mqtt_section = tomllib.loads(text)["mqtt"]
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
                    journal_path=tmp_path / "g1.sqlite3")
        ob.start()
        assert wait_until(lambda: journal.backlog() == 0, 15), ob.state

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
        time.sleep(1.0)
        ob.stop()
        with sqlite3.connect(cfg.sqlite_path) as db:
            rows = db.execute("SELECT seq, hash FROM entries ORDER BY seq").fetchall()
        assert rows == [(e["seq"], e["hash"]) for e in journal.iter_all()]
        # The forged "offline" never landed; the kiosk's own goodbye did.
        assert wait_until(lambda: server.storage.gates()[0]["status"]["state"] == "stopped", 5)
    finally:
        server.stop()


@pytest.mark.parametrize("over, state", [
    ({"password": "wrong"}, LinkState.AUTH_FAILED),
    ({"username": None, "password": None}, LinkState.AUTH_FAILED),
    ({"ca_file": None, "cert_file": None, "key_file": None}, "plain"),
    ({"ca_file": "OTHER_CA"}, LinkState.TLS_FAILED),
    ({"port": "CLOSED"}, LinkState.UNREACHABLE),
])
def test_the_outbox_says_why_it_cannot_connect(tmp_path, secured, over, state):
    broker, conf, creds = secured
    over = dict(over)
    if over.get("ca_file") == "OTHER_CA":
        from sync.server.certs import ensure_ca

        over["ca_file"] = ensure_ca(tmp_path / "other-ca")[0]
    if over.get("port") == "CLOSED":
        over["port"] = free_port()
    cfg = kiosk_cfg(conf, over.pop("port", broker.port), "s1.g1", **over)
    ob = Outbox(cfg, site="s1", gate="g1", journal_path=tmp_path / "j.sqlite3")
    ob.start()
    try:
        if state == "plain":
            # A plain-text client talking to a TLS listener never gets a CONNACK.
            assert wait_until(lambda: ob.state != LinkState.STARTING, 5)
            time.sleep(1)
            assert ob.state != LinkState.CONNECTED
        else:
            assert wait_until(lambda: ob.state == state, 10), ob.state
            assert ob.link.last_error
    finally:
        ob.stop()


def test_a_client_certificate_connects(tmp_path, secured):
    broker, conf, creds = secured
    cfg = kiosk_cfg(conf, broker.port, "s1.g1")
    assert cfg.cert_file and cfg.cert_file.exists()
    ob = Outbox(cfg, site="s1", gate="g1", journal_path=tmp_path / "j.sqlite3")
    ob.start()
    try:
        assert wait_until(lambda: ob.state == LinkState.CONNECTED, 10), ob.state
    finally:
        ob.stop()


def test_acl_file_lists_only_own_topics(tmp_path):
    write_broker_config(tmp_path, [KioskId("s1", "g1")])
    acl = (tmp_path / "acl").read_text()
    block = acl.split("user s1.g1")[1]
    assert "topic write checkpoint/v1/s1/g1/entries" in block
    assert "topic read checkpoint/v1/s1/registry" in block
    assert "+" not in block
    again = write_broker_config(tmp_path, [KioskId("s1", "g2")])
    assert set(again) == {"server", "s1.g1", "s1.g2"}
    assert json.loads((tmp_path / "credentials.json").read_text()) == again
