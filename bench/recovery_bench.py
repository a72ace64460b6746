"""How soon a kiosk's backlog is acked once the broker and the server are back.

    python bench/recovery_bench.py [--rounds 5] [--backlog 2000]

Each round: a kiosk and the server (its own process) in sync; the server SIGKILLed, the
broker stopped (cleanly, or with kill -9 and its persistence file deleted, in turn);
the backlog journaled meanwhile; the broker started and the kiosk reconnected first
(what it sends then reaches no collector); then the server started. Measured: from the
collector's retained status saying ``online`` (both are back) to the whole backlog acked,
median and p95. The kiosk's ack timeout is 600 s, so only the reconnect and the
collector's announcement can drain it; the baseline is the default ack timeout (10 s),
which is what a kiosk waited before. Goal: 2 s or less.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import paho.mqtt.client as mqtt  # noqa: E402
from paho.mqtt.enums import CallbackAPIVersion  # noqa: E402

from bench.sync_bench import Server, person  # noqa: E402
from kiosk import config as kiosk_config  # noqa: E402
from kiosk.journal import Journal  # noqa: E402
from sync import topics  # noqa: E402
from sync.broker import Broker  # noqa: E402
from sync.outbox import Outbox  # noqa: E402

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


def wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"no {what} within {timeout:.0f} s")
        time.sleep(0.002)


def one_round(work: Path, n: int, backlog: int, hard: bool) -> tuple[float, float]:
    """(s from the collector online to the backlog acked, s from the server process start)."""
    broker = Broker(work / f"broker-{n}").start()
    journal = Journal(work / f"journal-{n}.sqlite3", site="bench", gate=f"r{n}")
    cfg = kiosk_config.from_dict({"mqtt": {"port": broker.port, "ack_timeout_s": 600}}).mqtt
    outbox = Outbox(cfg, site="bench", gate=f"r{n}", journal_path=journal.path)
    server = Server(work / f"server-{n}", broker.port)
    try:
        outbox.start()
        journal.append_many([person(i) for i in range(100)])
        outbox.wake()
        wait(lambda: journal.acked_seq() == 100, 60, "first ack")
        server.proc.kill()
        server.proc.wait()
        broker.restart(hard=True, wipe_persistence=True) if hard else broker.restart()
        journal.append_many([person(i) for i in range(100, 100 + backlog)])
        wait(lambda: outbox.link.connected, 60, "kiosk reconnect")
        watch = CollectorWatch(broker.port)
        t_start = time.perf_counter()
        server = Server(work / f"server-{n}", broker.port)
        wait(lambda: journal.acked_seq() == 100 + backlog, 120, "backlog acked")
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


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument("--backlog", type=int, default=2000)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="recovery-bench-") as tmp:
        results = [one_round(Path(tmp), n, args.backlog, hard=bool(n % 2)) for n in range(args.rounds)]
    after_online = sorted(r[0] for r in results)
    after_start = sorted(r[1] for r in results)

    def p95(xs: list[float]) -> float:
        return xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]

    med = statistics.median(after_online)
    print(f"backlog of {args.backlog:,} entries acked after broker restart (clean and kill -9 in turn, "
          f"{args.rounds} rounds) and server SIGKILL + restart:")
    print(f"  from the collector online: median {med:.2f} s, p95 {p95(after_online):.2f} s "
          f"(goal 2 s; baseline, the ack timeout a kiosk waited before: {DEFAULT_ACK_TIMEOUT_S:.0f} s, "
          f"x{DEFAULT_ACK_TIMEOUT_S / med:.0f})")
    print(f"  from the server process start: median {statistics.median(after_start):.2f} s, "
          f"p95 {p95(after_start):.2f} s (includes the interpreter start and imports)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
