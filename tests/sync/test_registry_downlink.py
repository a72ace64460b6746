"""The registry travels from the server's API to the kiosk over real Mosquitto, signed;
the kiosk applies newer signed versions live and ignores older, unsigned or forged ones."""

from __future__ import annotations

import json
import urllib.request
from functools import partial

import paho.mqtt.client as mqtt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from paho.mqtt.enums import CallbackAPIVersion

from kiosk import config as kiosk_config
from kiosk.journal import Journal
from sync import registry_envelope as env
from sync import topics
from sync.outbox import Outbox
from sync.server import config as server_config
from sync.server.runtime import ServerRuntime
from tests.waiting import wait_until


@pytest.fixture
def server(tmp_path, broker):
    cfg = server_config.from_dict({"server": {"state_dir": str(tmp_path / "srv")},
                                   "mqtt": {"port": broker.port}, "http": {"port": 0, "api_token": "t0ken"}})
    rt = ServerRuntime(cfg)
    rt.start()
    wait_until(lambda: rt.collector.link.connected, 30, "rt.collector.link.connected")
    yield rt
    rt.stop()


def put_registry(server, site: str, registry: dict, token: str = "t0ken") -> tuple[int, dict]:
    req = urllib.request.Request(f"{server.http_url}api/registry/{site}", method="PUT",
                                 # Quarantine lists only, no pass keys: published as meant.
                                 data=json.dumps({"registry": registry, "force": True}).encode(),
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def start_kiosk(tmp_path, broker, server, applied: list):
    cfg = kiosk_config.from_dict({"mqtt": {"port": broker.port,
                                           "registry_keys": {"server-1": server.publisher.public_key}}})
    ob = Outbox(cfg.mqtt, site="s1", gate="g1",
                open_journal=partial(Journal, tmp_path / "k" / "journal.sqlite3", site="s1", gate="g1"),
                on_registry=lambda reg, version: applied.append((version, reg)),
                registry_path=tmp_path / "k" / "registry.signed.json")
    ob.start()
    return ob


def raw_publish(broker, topic: str, payload: bytes) -> None:
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="rogue")
    c.connect("127.0.0.1", broker.port)
    c.loop_start()
    c.publish(topic, payload, qos=1, retain=True).wait_for_publish(timeout=5)
    c.loop_stop()
    c.disconnect()


def test_registry_reaches_the_kiosk_signed_and_only_newer_ones_apply(tmp_path, broker, server):
    assert put_registry(server, "s1", {"quarantined": ["1-1-101"]}, token="wrong")[0] == 401
    status, body = put_registry(server, "s1", {"quarantined": ["1-1-101"]})
    assert (status, body["version"]) == (200, 1)

    applied: list = []
    ob = start_kiosk(tmp_path, broker, server, applied)
    try:
        # Retained: a kiosk that connects later still receives it.
        wait_until(lambda: applied == [(1, {"quarantined": ["1-1-101"]})], 30, "registry version 1 applied")
        assert put_registry(server, "s1", {"quarantined": ["1-1-101", "2-2-202"]})[1]["version"] == 2
        wait_until(lambda: len(applied) == 2 and applied[-1][0] == 2, 30, "len(applied) == 2 and applied[-1][0] == 2")

        topic = topics.REGISTRY.format("s1")
        forger = Ed25519PrivateKey.generate()
        raw_publish(broker, topic, env.encode(env.sign({"quarantined": []}, site="s1", version=99,
                                                       key=forger, key_id="server-1")))
        raw_publish(broker, topic, json.dumps({"v": 1, "site": "s1", "version": 100, "key_id": "server-1",
                                               "registry": {"quarantined": []}}).encode())
        raw_publish(broker, topic, b"\x00not json")
        # An older version, properly signed (a replay), changes nothing either.
        older = server.storage.latest_registry("s1")
        first = env.sign({"quarantined": ["1-1-101"]}, site="s1", version=1, key=server.publisher.key,
                         key_id="server-1")
        raw_publish(broker, topic, env.encode(first))
        wait_until(lambda: ob.downlink.ignored >= 4, 30, "ob.downlink.ignored >= 4")
        assert [v for v, _ in applied] == [1, 2]
        stored = env.load_stored(tmp_path / "k" / "registry.signed.json",
                                 env.public_keys({"server-1": server.publisher.public_key}), site="s1")
        assert stored.version == 2 and stored.envelope == older
    finally:
        ob.stop()

    # After a restart the kiosk knows which version it holds and re-applies nothing older.
    applied2: list = []
    ob2 = start_kiosk(tmp_path, broker, server, applied2)
    try:
        assert ob2.downlink.version == 2
        assert put_registry(server, "s1", {"quarantined": []})[1]["version"] == 3
        wait_until(lambda: [v for v, _ in applied2] == [3], 30, "[v for v, _ in applied2] == [3]")
    finally:
        ob2.stop()


def test_a_broker_that_lost_its_retained_registry_gets_it_again(tmp_path, broker, server):
    put_registry(server, "s1", {"quarantined": ["9-9-9"]})
    broker.restart(hard=True, wipe_persistence=True)
    wait_until(lambda: server.collector.link.connected, 30, "server.collector.link.connected")
    applied: list = []
    ob = start_kiosk(tmp_path, broker, server, applied)
    try:
        wait_until(lambda: applied and applied[-1][0] == 1, 30, "applied and applied[-1][0] == 1")
    finally:
        ob.stop()
