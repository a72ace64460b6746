"""A kiosk process for the fault tests: plays a scenario of people into its journal at a
steady rate and syncs it with the real outbox. Restarted after a SIGKILL, it resumes
with the next person after the last one journaled.

    python -m tests.sync.kiosk_player JOURNAL BROKER_PORT PEOPLE RATE_PER_S
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from functools import partial

from kiosk import config
from kiosk.journal import Journal
from sync.outbox import Outbox

SITE, GATE = "fault-site", "gate-1"


def person(i: int) -> dict:
    fever = i % 97 == 0
    return {"direction": "in" if i % 3 else "out", "decision": "deny" if fever else "admit",
            "reasons": ["fever"] if fever else [],
            "credential": {"kind": "pass", "pass_id": f"P{i:06d}", "household": f"{i % 20}-{i % 6}-{i % 301}"},
            "temperature": {"value_c": 38.1 if fever else 36.4 + (i % 7) / 10, "sensor": "sim"}}


def main(journal_path: str, port: int, people: int, rate: float) -> int:
    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cfg = config.from_dict({"mqtt": {"port": port, "batch_size": 100, "linger_ms": 20, "ack_timeout_s": 3.0}})
    journal = Journal(journal_path, site=SITE, gate=GATE)
    outbox = Outbox(cfg.mqtt, site=SITE, gate=GATE, open_journal=partial(Journal, journal_path, site=SITE, gate=GATE))
    outbox.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    start = journal.last_seq() + 1
    for i in range(start, people + 1):
        if done.is_set():
            break
        journal.append(person(i))
        outbox.wake()
        time.sleep(1 / rate)
    done.wait()
    outbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])))
