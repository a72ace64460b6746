"""The registry travels from the server's API to the kiosk over real Mosquitto, signed;
the kiosk applies newer signed versions live and ignores older, unsigned or forged ones,
and keeps what it applied in one place, its registry store."""

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
from kiosk.registry import RegistryStore
from sync import registry_envelope as env
from sync import topics
from sync.downlink import Downlink
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


def start_kiosk(tmp_path, broker, server) -> tuple[Outbox, RegistryStore]:
    cfg = kiosk_config.from_dict({"mqtt": {"port": broker.port}})
    store = RegistryStore(tmp_path / "k")
    downlink = Downlink(site="s1", trusted_keys={"server-1": server.publisher.public_key}, sink=store)
    ob = Outbox(cfg.mqtt, site="s1", gate="g1",
                open_journal=partial(Journal, tmp_path / "k" / "journal.sqlite3", site="s1", gate="g1"),
                downlink=downlink)
    ob.start()
    return ob, store


def revoked(store: RegistryStore) -> tuple[int, set[str]]:
    return store.current.version, set(store.current.revoked)


def raw_publish(broker, topic: str, payload: bytes) -> None:
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="rogue")
    c.connect("127.0.0.1", broker.port)
    c.loop_start()
    c.publish(topic, payload, qos=1, retain=True).wait_for_publish(timeout=5)
    c.loop_stop()
    c.disconnect()


def test_registry_reaches_the_kiosk_signed_and_only_newer_ones_apply(tmp_path, broker, server):
    assert put_registry(server, "s1", {"revoked": ["p101"]}, token="wrong")[0] == 401
    status, body = put_registry(server, "s1", {"revoked": ["p101"]})
    assert (status, body["version"]) == (200, 1)

    ob, store = start_kiosk(tmp_path, broker, server)
    try:
        # Retained: a kiosk that connects later still receives it.
        wait_until(lambda: revoked(store) == (1, {"p101"}), 30, "registry version 1 applied")
        assert put_registry(server, "s1", {"revoked": ["p101", "p202"]})[1]["version"] == 2
        wait_until(lambda: revoked(store) == (2, {"p101", "p202"}), 30, "registry version 2 applied")

        topic = topics.REGISTRY.format("s1")
        forger = Ed25519PrivateKey.generate()
        raw_publish(broker, topic, env.encode(env.sign({"revoked": []}, site="s1", version=99,
                                                       key=forger, key_id="server-1")))
        raw_publish(broker, topic, json.dumps({"v": 1, "site": "s1", "version": 100, "key_id": "server-1",
                                               "registry": {"revoked": []}}).encode())
        raw_publish(broker, topic, b"\x00not json")
        # An older version, properly signed (a replay), changes nothing either.
        first = env.sign({"revoked": ["p101"]}, site="s1", version=1, key=server.publisher.key,
                         key_id="server-1")
        raw_publish(broker, topic, env.encode(first))
        wait_until(lambda: ob.downlink.ignored >= 4, 30, "ob.downlink.ignored >= 4")
        assert revoked(store) == (2, {"p101", "p202"})
    finally:
        ob.stop()

    # One copy: the registry store's, and nothing else in the kiosk's state holds it.
    holders = sorted(p.name for p in (tmp_path / "k").iterdir() if p.is_file() and b"p202" in p.read_bytes())
    assert holders == ["registry.json"]
    # After a restart the kiosk holds version 2 and re-applies nothing older.
    ob2, store2 = start_kiosk(tmp_path, broker, server)
    try:
        assert revoked(store2) == (2, {"p101", "p202"}) and ob2.downlink.version == 2
        assert put_registry(server, "s1", {"revoked": []})[1]["version"] == 3
        wait_until(lambda: revoked(store2) == (3, set()), 30, "registry version 3 applied after the restart")
    finally:
        ob2.stop()


def test_a_broker_that_lost_its_retained_registry_gets_it_again(tmp_path, broker, server):
    put_registry(server, "s1", {"revoked": ["p909"]})
    broker.restart(hard=True, wipe_persistence=True)
    wait_until(lambda: server.collector.link.connected, 30, "server.collector.link.connected")
    ob, store = start_kiosk(tmp_path, broker, server)
    try:
        wait_until(lambda: revoked(store) == (1, {"p909"}), 30, "registry version 1 applied")
    finally:
        ob.stop()
