"""Sync figures on this machine (loopback, real Mosquitto, the server as its own process).

    python bench/sync_bench.py [--entries 100000] [--kiosks 500] [--latency-samples 300]

Prints, each beside a baseline measured in the same run:
1. raw paho-mqtt QoS 1 loop, 400-byte messages, publisher to subscriber (messages/s);
2. backlog drain: N journaled entries to the server's SQLite store, acked (entries/s);
3. online latency: an entry journaled while online until the kiosk holds the server's
   ack for it (so: stored, committed and acknowledged), p50 / p95;
4. collector ingest with K simulated kiosks connected at once: entries/s and the
   server process's peak resident memory;
5. recovery: the server SIGKILLed and the broker restarted (clean and kill -9 with its
   persistence file deleted, in turn), the kiosk back first, then the server: from the
   collector's retained ``online`` to the backlog acked, median and p95 (goal 2 s; the
   kiosk's ack timeout is 600 s here, so only the reconnect and the collector's
   announcement can drain it; before, a kiosk waited for its 10 s ack timeout);
6. where the drain's time goes: each stage of the kiosk's side (journal read, JSON,
   publish) and of the collector's (parse, validation, hash check, SQLite insert and
   commit, ack) run alone over the same N entries, in this process.

``--parts`` runs some of them (e.g. ``--parts drain profile``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import closing
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import paho.mqtt.client as mqtt  # noqa: E402
from paho.mqtt.enums import CallbackAPIVersion  # noqa: E402

from kiosk import config as kiosk_config  # noqa: E402
from sync.entry import GENESIS_HASH, entry_hash, utc_now_iso  # noqa: E402
from kiosk.journal import Journal  # noqa: E402
from sync import schema, topics  # noqa: E402
from sync.mosquitto import Broker  # noqa: E402
from sync.outbox import Outbox  # noqa: E402


def person(i: int) -> dict:
    return {"direction": "in", "decision": "admit", "reasons": [],
            "credential": {"kind": "pass", "pass_id": f"P{i:07d}", "household": f"{i % 20}-{i % 6}-{i % 301}"},
            "temperature": {"value_c": 36.5, "ambient_c": 24.0, "sensor": "gy-mcu90614"},
            "operator": None, "visitor": None}


class Server:
    """`community-server run` as a child process, so it has its own interpreter and GIL."""

    def __init__(self, dir: Path, broker_port: int) -> None:
        self.dir = dir
        dir.mkdir(parents=True, exist_ok=True)
        (dir / "server.toml").write_text(
            f'[server]\nstate_dir = "{dir / "state"}"\n[mqtt]\nport = {broker_port}\n'
            f'[http]\nenabled = false\n')
        self.db = dir / "state" / "server.sqlite3"
        with open(dir / "server.log", "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "sync.server.cli", "run", "--config",
                                          str(dir / "server.toml")], cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                         env={**os.environ, "PYTHONPATH": str(REPO)})
        deadline = time.monotonic() + 15
        while "connected" not in (dir / "server.log").read_text() and time.monotonic() < deadline:
            time.sleep(0.05)

    def stored(self) -> int:
        try:
            with closing(sqlite3.connect(self.db, timeout=5)) as conn:
                return conn.execute("SELECT COALESCE(SUM(entry_count), 0) FROM gates").fetchone()[0]
        except sqlite3.OperationalError:
            return 0

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def raw_paho(port: int, n: int = 20000, size: int = 400) -> float:
    got = threading.Event()
    count = [0]

    def on_message(c, u, m):
        count[0] += 1
        if count[0] == n:
            got.set()

    sub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-sub")
    sub.on_message = on_message
    sub.connect("127.0.0.1", port)
    sub.subscribe("bench/raw", qos=1)
    sub.loop_start()
    pub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-pub")
    pub.max_inflight_messages_set(100)
    pub.connect("127.0.0.1", port)
    pub.loop_start()
    time.sleep(0.3)
    payload = b"x" * size
    t0 = time.perf_counter()
    for _ in range(n):
        info = pub.publish("bench/raw", payload, qos=1)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise RuntimeError(mqtt.error_string(info.rc))
    got.wait(120)
    dt = time.perf_counter() - t0
    for c in (pub, sub):
        c.loop_stop()
        c.disconnect()
    return n / dt


def drain(work: Path, broker: Broker, n: int) -> tuple[float, float]:
    journal_path = work / "drain" / "journal.sqlite3"
    journal = Journal(journal_path, site="bench", gate="drain")
    for start in range(0, n, 5000):
        journal.append_many([person(i) for i in range(start, min(n, start + 5000))])
    server = Server(work / "drain-server", broker.port)
    cfg = kiosk_config.from_dict({"mqtt": {"port": broker.port}}).mqtt
    outbox = Outbox(cfg, site="bench", gate="drain",
                    open_journal=partial(Journal, journal_path, site="bench", gate="drain"))
    t0 = time.perf_counter()
    outbox.start()
    while journal.acked_seq() < n and time.perf_counter() - t0 < 300:
        time.sleep(0.01)
    dt = time.perf_counter() - t0
    outbox.stop()
    assert server.stored() == n, (server.stored(), n)
    server.stop()
    return dt, n / dt


def latency(work: Path, broker: Broker, samples: int) -> list[float]:
    journal_path = work / "latency" / "journal.sqlite3"
    journal = Journal(journal_path, site="bench", gate="latency")
    server = Server(work / "latency-server", broker.port)
    cfg = kiosk_config.from_dict({"mqtt": {"port": broker.port}}).mqtt
    outbox = Outbox(cfg, site="bench", gate="latency",
                    open_journal=partial(Journal, journal_path, site="bench", gate="latency"))
    outbox.start()
    time.sleep(1.0)
    out = []
    rng = random.Random(1)
    for i in range(samples):
        t0 = time.perf_counter()
        seq = journal.append(person(i))["seq"]
        outbox.wake()
        while journal.acked_seq() < seq:
            time.sleep(0.001)
        out.append((time.perf_counter() - t0) * 1000)
        time.sleep(rng.uniform(0.02, 0.15))   # people arrive one by one
    outbox.stop()
    server.stop()
    return out


PARTS = ["raw", "drain", "latency", "fleet", "recovery", "profile"]
FLEET_CLIENTS_PER_PROCESS = 125   # paho waits with select(): every fd must stay below 1024


def _fleet_worker(port: int, gates: list[str], per_kiosk: int, batch: int, ready, go, stop) -> None:
    """One process of simulated kiosks: connect them all, wait for the word, publish their backlogs."""
    payloads: list[tuple[mqtt.Client, str, list[bytes]]] = []
    for gate in gates:
        prev, entries = GENESIS_HASH, []
        for seq in range(1, per_kiosk + 1):
            e = {"v": 1, "id": f"{gate}x{seq}", "ts": utc_now_iso(), "clock_synced": True, "site": "bench",
                 "gate": gate, **person(seq), "seq": seq, "prev_hash": prev}
            e["hash"] = prev = entry_hash(e)
            entries.append(e)
        bodies = [schema.encode_batch("bench", gate, entries[i:i + batch]) for i in range(0, per_kiosk, batch)]
        c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"sim-{gate}")
        c.connect("127.0.0.1", port)
        c.loop_start()
        payloads.append((c, topics.ENTRIES.format("bench", gate), bodies))
    deadline = time.monotonic() + 60
    while not all(c.is_connected() for c, _, _ in payloads) and time.monotonic() < deadline:
        time.sleep(0.05)
    ready.put(sum(c.is_connected() for c, _, _ in payloads))
    go.wait()
    for round_ in range(max(len(b) for _, _, b in payloads)):
        for c, topic, bodies in payloads:
            if round_ < len(bodies):
                rc = c.publish(topic, bodies[round_], qos=1).rc
                if rc != mqtt.MQTT_ERR_SUCCESS:
                    raise RuntimeError(f"simulated kiosk could not publish: {mqtt.error_string(rc)}")
    stop.wait()
    for c, _, _ in payloads:
        c.disconnect()
        c.loop_stop()


def fleet(work: Path, broker: Broker, kiosks: int, per_kiosk: int, batch: int) -> tuple[float, float, float]:
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    server = Server(work / "fleet-server", broker.port)
    gates = [f"k{k:04d}" for k in range(kiosks)]
    ready, go, stop = ctx.Queue(), ctx.Event(), ctx.Event()
    workers = [ctx.Process(target=_fleet_worker, daemon=True,
                           args=(broker.port, gates[i:i + FLEET_CLIENTS_PER_PROCESS], per_kiosk, batch, ready, go, stop))
               for i in range(0, kiosks, FLEET_CLIENTS_PER_PROCESS)]
    t_conn = time.perf_counter()
    for w in workers:
        w.start()
    connected = sum(ready.get(timeout=120) for _ in workers)
    connect_s = time.perf_counter() - t_conn
    if connected != kiosks:
        raise RuntimeError(f"only {connected} of {kiosks} simulated kiosks connected")
    total = kiosks * per_kiosk
    t0 = time.perf_counter()
    go.set()
    while server.stored() < total and time.perf_counter() - t0 < 300:
        time.sleep(0.05)
    dt = time.perf_counter() - t0
    stored = server.stored()
    rss = server.peak_rss_mb()
    stop.set()
    for w in workers:
        w.join(30)
    server.stop()
    assert stored == total, (stored, total)
    return stored / dt, rss, connect_s


DEFAULT_ACK_TIMEOUT_S = kiosk_config.from_dict({}).mqtt.ack_timeout_s


class CollectorWatch:
    """Stamps the moment a collector says ``online`` on its status topic."""

    def __init__(self, port: int) -> None:
        self.online_at: float | None = None
        self._lock = threading.Lock()
        self.c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-watch")
        self.c.on_connect = lambda c, u, f, rc, p: c.subscribe(topics.COLLECTOR.wildcard(), qos=1)
        self.c.on_message = self._message
        self.c.connect("127.0.0.1", port)
        self.c.loop_start()

    def _message(self, client, userdata, m) -> None:
        if json.loads(m.payload).get("state") == "online" and not m.retain:
            with self._lock:
                self.online_at = self.online_at or time.perf_counter()

    def close(self) -> None:
        self.c.loop_stop()
        self.c.disconnect()


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"no {what} within {timeout:.0f} s")
        time.sleep(0.002)


def _recovery_round(work: Path, n: int, backlog: int, hard: bool) -> tuple[float, float]:
    """(s from the collector online to the backlog acked, s from the server process start)."""
    broker = Broker(work / f"recovery-broker-{n}").start()
    journal = Journal(work / f"recovery-journal-{n}.sqlite3", site="bench", gate=f"r{n}")
    cfg = kiosk_config.from_dict({"mqtt": {"port": broker.port, "ack_timeout_s": 600}}).mqtt
    outbox = Outbox(cfg, site="bench", gate=f"r{n}",
                    open_journal=partial(Journal, journal.path, site="bench", gate=f"r{n}"))
    server = Server(work / f"recovery-server-{n}", broker.port)
    try:
        outbox.start()
        journal.append_many([person(i) for i in range(100)])
        outbox.wake()
        _wait(lambda: journal.acked_seq() == 100, 60, "first ack")
        server.proc.kill()
        server.proc.wait()
        broker.restart(hard=True, wipe_persistence=True) if hard else broker.restart()
        journal.append_many([person(i) for i in range(100, 100 + backlog)])
        _wait(lambda: outbox.link.connected, 60, "kiosk reconnect")
        watch = CollectorWatch(broker.port)
        t_start = time.perf_counter()
        server = Server(work / f"recovery-server-{n}", broker.port)
        _wait(lambda: journal.acked_seq() == 100 + backlog, 120, "backlog acked")
        t_acked = time.perf_counter()
        watch.close()
        if watch.online_at is None:
            raise RuntimeError("the collector never said online")
        return t_acked - watch.online_at, t_acked - t_start
    finally:
        outbox.stop()
        server.stop()
        broker.stop()
        journal.close()


def recovery(work: Path, rounds: int, backlog: int) -> None:
    """Broker restarted (clean and kill -9 in turn) and server SIGKILLed and restarted, the
    kiosk back first: from the collector's ``online`` to the whole backlog acked."""
    results = [_recovery_round(work, n, backlog, hard=bool(n % 2)) for n in range(rounds)]
    after_online = sorted(r[0] for r in results)
    after_start = sorted(r[1] for r in results)

    def p95(xs: list[float]) -> float:
        return xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]

    med = statistics.median(after_online)
    print(f"recovery, backlog of {backlog:,} entries after a broker restart (clean and kill -9 in turn) "
          f"and a server SIGKILL, kiosk back first, ack timeout 600 s, {rounds} rounds:")
    print(f"  acked after the collector said online: median {med:.2f} s, p95 {p95(after_online):.2f} s "
          f"(goal 2 s; the ack timeout a kiosk waited before: {DEFAULT_ACK_TIMEOUT_S:.0f} s, "
          f"x{DEFAULT_ACK_TIMEOUT_S / med:.0f})")
    print(f"  acked after the server process started: median {statistics.median(after_start):.2f} s, "
          f"p95 {p95(after_start):.2f} s (with the interpreter's start and imports)", flush=True)


def _timed(fn) -> tuple[float, float]:
    """(wall s, CPU s of this process): on a shared machine the CPU time is the steadier."""
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def profile_drain(work: Path, broker: Broker, n: int) -> list[tuple[str, str, tuple[float, float]]]:
    """(side, stage, (wall s, CPU s)) for each stage of the drain over ``n`` entries, run alone."""
    from sync.server.collector import Collector  # noqa: F401 - the collector's own imports, warm
    from sync.server.storage import base as storage_base
    from sync.server.storage.sqlite import SQLiteStorage

    journal = Journal(work / "profile" / "journal.sqlite3", site="bench", gate="profile")
    for start in range(0, n, 5000):
        journal.append_many([person(i) for i in range(start, min(n, start + 5000))])
    batch = kiosk_config.from_dict({}).mqtt.batch_size
    chunks: list[list[str]] = []

    def read() -> None:
        seq = 0
        while rows := journal.bodies_after(seq, batch):
            chunks.append([body for _, body in rows])
            seq = rows[-1][0]

    payloads: list[bytes] = []
    out = [("kiosk", "journal read", _timed(read)),
           ("kiosk", "JSON batch", _timed(lambda: payloads.extend(schema.encode_batch_raw("bench", "profile", c)
                                                                   for c in chunks)))]
    out.append(("kiosk", "publish, QoS 1 to a subscriber", _publish_all(broker.port, payloads)))
    parsed: list[dict] = []
    out.append(("collector", "parse (JSON)", _timed(lambda: parsed.extend(schema._object(p, 1 << 30)
                                                                         for p in payloads))))
    out.append(("collector", "validation", _timed(lambda: [schema.check_entry(e, "bench", "profile")
                                                           for d in parsed for e in d["entries"]])))
    out.append(("collector", "hash check + stored body", _timed(lambda: [storage_base._hash_check_and_body(e)
                                                                         for d in parsed for e in d["entries"]])))
    batches = [schema.Batch("bench", "profile", d["entries"]) for d in parsed]
    storage = SQLiteStorage(work / "profile" / "server.sqlite3")
    # A drain never has more than the kiosk's window in flight, so the collector commits
    # at most that many messages at a time.
    per_commit = kiosk_config.from_dict({}).mqtt.window_batches

    def store() -> None:
        for i in range(0, len(batches), per_commit):
            storage.store(batches[i:i + per_commit])

    stored = _timed(store)
    rows = next(t for side, stage, t in out if stage.startswith("hash"))
    out.append(("collector", f"rows, SQLite insert, chain advance, a commit per {per_commit} messages",
                (stored[0] - rows[0], stored[1] - rows[1])))
    out.append(("collector", "ack (encode)", _timed(lambda: [schema.encode_ack(b.last_seq) for b in batches])))
    journal.close()
    return out


def _publish_all(port: int, payloads: list[bytes]) -> tuple[float, float]:
    done = threading.Event()
    count = [0]

    def on_message(c, u, m):
        count[0] += 1
        if count[0] == len(payloads):
            done.set()

    sub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="profile-sub")
    sub.on_message = on_message
    sub.connect("127.0.0.1", port)
    sub.subscribe("bench/profile", qos=1)
    sub.loop_start()
    pub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="profile-pub")
    pub.max_inflight_messages_set(32)
    pub.connect("127.0.0.1", port)
    pub.loop_start()
    time.sleep(0.3)

    def publish() -> None:
        for p in payloads:
            pub.publish("bench/profile", p, qos=1)
        done.wait(120)

    took = _timed(publish)
    for c in (pub, sub):
        c.loop_stop()
        c.disconnect()
    return took


def print_profile(stages, n: int, drain_s: float | None) -> None:
    print(f"\nwhere a drain of {n:,} entries spends its time (each stage alone, this process; the "
          "publish stage's CPU is the paho side only):\n")
    print("| side | stage | wall s | CPU s | CPU us/entry |")
    print("|---|---|---:|---:|---:|")
    for side in ("kiosk", "collector"):
        wall = cpu = 0.0
        for s_, stage, (w, c) in stages:
            if s_ == side:
                wall, cpu = wall + w, cpu + c
                print(f"| {side} | {stage} | {w:.2f} | {c:.2f} | {c / n * 1e6:.1f} |")
        print(f"| {side} | **total** | **{wall:.2f}** | **{cpu:.2f}** | **{cpu / n * 1e6:.1f}** |")
    if drain_s is not None:
        print(f"\nThe two sides run at once in separate processes; the drain above took {drain_s:.2f} s.")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--entries", type=int, default=100_000)
    p.add_argument("--kiosks", type=int, default=500)
    p.add_argument("--per-kiosk", type=int, default=200)
    p.add_argument("--latency-samples", type=int, default=300)
    p.add_argument("--rounds", type=int, default=6, help="recovery rounds")
    p.add_argument("--backlog", type=int, default=2000, help="entries journaled while broker and server are away")
    p.add_argument("--parts", nargs="*", default=PARTS, choices=PARTS)
    args = p.parse_args()
    parts = set(args.parts)
    work = Path(tempfile.mkdtemp(prefix="sync-bench-"))
    broker = Broker(work / "broker")
    broker.start()
    try:
        raw = dt = None
        if "raw" in parts:
            raw = raw_paho(broker.port)
            print(f"raw paho-mqtt QoS 1, 400-byte messages:       {raw:10,.0f} messages/s (baseline)", flush=True)
        if "drain" in parts:
            dt, rate = drain(work, broker, args.entries)
            vs = f" ({rate / raw:.1f}x the raw loop's messages/s)" if raw else ""
            print(f"backlog drain, {args.entries:,} entries to SQLite, acked: {dt:6.2f} s = {rate:10,.0f} entries/s"
                  f"{vs}", flush=True)
        if "latency" in parts:
            lat = sorted(latency(work, broker, args.latency_samples))
            p95 = lat[int(0.95 * (len(lat) - 1))]
            print(f"online latency, journaled -> stored and acked: p50 {statistics.median(lat):.1f} ms, "
                  f"p95 {p95:.1f} ms, max {lat[-1]:.1f} ms ({len(lat)} entries, linger 50 ms)", flush=True)
        if "fleet" in parts:
            rate, rss, conn_s = fleet(work, broker, args.kiosks, args.per_kiosk, 50)
            print(f"collector ingest, {args.kiosks} kiosks connected at once ({args.per_kiosk} entries each): "
                  f"{rate:10,.0f} entries/s, server peak RSS {rss:.0f} MB (connecting took {conn_s:.1f} s)",
                  flush=True)
        if "recovery" in parts:
            recovery(work, args.rounds, args.backlog)
        if "profile" in parts:
            print_profile(profile_drain(work, broker, args.entries), args.entries, dt)
    finally:
        broker.stop()
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
