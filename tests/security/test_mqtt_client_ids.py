"""Finding 6: on the broker `community-server broker-config` sets up, an account is its
own client id: gate 1's valid login, claiming gate 2's or the server's client id,
throws nobody off the broker, and no false "offline" will fires."""

from __future__ import annotations

import json
import queue

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from sync import schema, topics
from tests.waiting import wait_until


def _client(broker, user: str, client_id: str, *, will: bool = False) -> mqtt.Client:
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
    c.username_pw_set(user, broker.creds[user])
    c.thrown_off = []
    c.on_disconnect = lambda client, userdata, flags, rc, props=None: c.thrown_off.append(str(rc))
    if will:
        site, gate = user.split(".")
        c.will_set(topics.STATUS.format(site, gate), schema.encode_status({"state": "offline"}), qos=1, retain=True)
    c.connect("127.0.0.1", broker.port, keepalive=30)
    c.loop_start()
    wait_until(c.is_connected, 15, f"{user} connected as {client_id!r}")
    return c


def _round_trip(c: mqtt.Client, topic: str, state: str = "online") -> None:
    """A QoS 1 publish the broker acknowledged: everything before it was handled."""
    info = c.publish(topic, schema.encode_status({"state": state}), qos=1)
    info.wait_for_publish(timeout=15)


@pytest.mark.parametrize("stolen_id", ["kiosk-s1-g2", "s1.g2"])
def test_gate_1_cannot_throw_gate_2_off(site_broker, stolen_id):
    statuses: queue.SimpleQueue = queue.SimpleQueue()
    server = _client(site_broker, "server", "collector-host-1")
    server.on_message = lambda c, u, m: statuses.put(json.loads(m.payload)["state"])
    server.subscribe(topics.STATUS.wildcard(), qos=1)
    gate2 = _client(site_broker, "s1.g2", "kiosk-s1-g2", will=True)
    thief = _client(site_broker, "s1.g1", stolen_id)
    try:
        _round_trip(thief, topics.STATUS.format("s1", "g1"))
        # Gate 2 says something after the thief's login: the server sees it, and nothing before.
        _round_trip(gate2, topics.STATUS.format("s1", "g2"), "still-here")
        seen: list[str] = []

        def heard() -> bool:
            while not statuses.empty():
                seen.append(statuses.get())
            return "still-here" in seen

        wait_until(heard, 30, "gate 2's message after the thief's login")
        assert gate2.thrown_off == [], f"gate 2 was thrown off the broker: {gate2.thrown_off}"
        assert "offline" not in seen, f"gate 2's will fired: {seen}"
    finally:
        for c in (thief, gate2, server):
            c.loop_stop()
            c.disconnect()


def test_a_kiosk_cannot_throw_the_server_off(site_broker):
    server = _client(site_broker, "server", "collector-host-1")
    thief = _client(site_broker, "s1.g1", "collector-host-1")
    thief2 = _client(site_broker, "s1.g2", "server")
    try:
        _round_trip(thief, topics.STATUS.format("s1", "g1"))
        _round_trip(thief2, topics.STATUS.format("s1", "g2"))
        _round_trip(server, topics.ACK.format("s1", "g1"))
        assert server.thrown_off == [], f"the server was thrown off the broker: {server.thrown_off}"
    finally:
        for c in (thief2, thief, server):
            c.loop_stop()
            c.disconnect()
