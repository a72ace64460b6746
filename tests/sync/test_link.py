"""One MQTT link used from several threads at once over TLS, as the collector does (acks
from its own thread, registries from HTTP threads) while messages stream in."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.places import REPO

SCRIPT = textwrap.dedent("""
    import sys, threading, time
    from pathlib import Path
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion
    from sync.mosquitto import Broker
    from sync.link import Endpoint, Link
    from sync.server.broker_setup import KioskId, security_lines, write_broker_config

    work = Path(sys.argv[1])
    creds = write_broker_config(work / "conf", [KioskId("s1", "g1")], tls=True, hostnames=["127.0.0.1"])
    broker = Broker(work / "broker", allow_anonymous=False, extra=security_lines(work / "conf", tls=True)).start()
    ca = work / "conf" / "tls" / "ca.crt"
    received = []
    link = Link(Endpoint(port=broker.port, username="server", password=creds["server"], ca_file=ca),
                client_id="server", on_message=lambda m: received.append(m.payload),
                on_up=lambda c: c.subscribe("checkpoint/v1/+/+/entries", qos=1))
    link.start()
    acks = []
    kiosk = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="s1.g1")
    kiosk.username_pw_set("s1.g1", creds["s1.g1"])
    kiosk.tls_set(ca_certs=str(ca))
    kiosk.on_message = lambda c, u, m: acks.append(m.payload)
    kiosk.connect("127.0.0.1", broker.port)
    kiosk.subscribe("checkpoint/v1/s1/g1/ack", qos=1)
    kiosk.loop_start()
    from tests.waiting import wait_until
    wait_until(lambda: link.connected and kiosk.is_connected(), 60, "both clients connected")
    # Both subscriptions are in place once a probe each way has got through.
    def probed(client, topic, inbox):
        client.publish(topic, b"probe", qos=1)
        return b"probe" in inbox

    wait_until(lambda: probed(kiosk, "checkpoint/v1/s1/g1/entries", received), 60, "the server's subscription")
    wait_until(lambda: probed(link.client, "checkpoint/v1/s1/g1/ack", acks), 60, "the kiosk's subscription")
    N, THREADS = 1500, 4

    def acker():
        for i in range(N):
            while link.client.publish("checkpoint/v1/s1/g1/ack", b"a" * 200, qos=1).rc != 0:
                time.sleep(0.01)

    def entries():
        for i in range(N * THREADS):
            kiosk.publish("checkpoint/v1/s1/g1/entries", b"e" * 300, qos=1)

    threads = [threading.Thread(target=acker) for _ in range(THREADS)] + [threading.Thread(target=entries)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    def counts():
        return sum(a != b"probe" for a in acks), sum(r != b"probe" for r in received)

    try:
        wait_until(lambda: min(counts()) >= N * THREADS, 60, "every message")
    except AssertionError:
        pass                                    # the test says what arrived
    print(*counts(), link.state.value)
    kiosk.loop_stop()
    link.stop()
    broker.stop()
""")


def test_one_link_many_threads_over_tls(tmp_path):
    r = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=REPO, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.split() == ["6000", "6000", "connected"], r.stdout
