"""What running unattended costs the gate: the clock stamp on every entry, the holding
journal around every journal write, writing a backlog of held entries when the disk
has room again, and the server placing a month of unsynchronised entries.

Baselines measured in the same run: ``time.time()`` for the clock stamp, a bare
``Journal.append`` for the one through the holding journal.

Prints a markdown table. Usage: python bench/ops_bench.py [--entries N]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk import clock  # noqa: E402
from kiosk.holding import HoldingJournal  # noqa: E402
from kiosk.journal import Journal  # noqa: E402
from sync.clockfix import corrected_times  # noqa: E402
from sync.entry import new_entry  # noqa: E402

FIELDS = {"direction": "in", "decision": "admit", "reasons": [], "credential": {"kind": "pass", "household": "3-2-501"},
          "temperature": {"value_c": 36.6, "ambient_c": 25.0, "sensor": "gy-mcu90614"}}


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def timed_us(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1e6)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=100_000, help="unsynchronised entries for the server to place")
    ap.add_argument("--appends", type=int, default=300)
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    rows = []

    stamp = timed_us(lambda: clock.ClockState(recheck_s=0).stamp(), 5000)
    base = timed_us(time.time, 5000)
    rows.append(("clock stamp per entry (adjtimex, boot id, monotonic), median", f"{statistics.median(stamp):.1f} µs"))
    rows.append(("baseline: time.time(), median", f"{statistics.median(base):.2f} µs"))

    with tempfile.TemporaryDirectory() as tmp:
        bare = Journal(Path(tmp) / "bare.sqlite3", site="s", gate="g")
        holding_journal = Journal(Path(tmp) / "holding.sqlite3", site="s", gate="g")
        holding = HoldingJournal(holding_journal, held_max=5000)
        a, b = [], []
        for _ in range(args.appends):   # interleaved, so a busy moment hits both alike
            a += timed_us(lambda: bare.append(FIELDS), 1)
            b += timed_us(lambda: holding.append(FIELDS), 1)
        rows.append(("journal append, bare, median / p95", f"{statistics.median(a) / 1000:.2f} / {pct(a, .95) / 1000:.2f} ms"))
        rows.append(("journal append through the holding journal, median / p95",
                     f"{statistics.median(b) / 1000:.2f} / {pct(b, .95) / 1000:.2f} ms"))
        rows.append(("holding journal / bare append (median)", f"{statistics.median(b) / statistics.median(a):.2f}x"))

        # The disk was full for a while: 5000 entries wait in memory, then space returns.
        holding.held.extend(new_entry(FIELDS, site="s", gate="g", stamp=clock.stamp(), ts="2026-11-25T06:00:00.000Z")
                            for _ in range(5000))
        t0 = time.perf_counter()
        holding.flush()
        flush_s = time.perf_counter() - t0
        assert not holding.held and holding_journal.last_seq() == args.appends + 5000
        rows.append(("writing 5,000 held entries once the disk has room", f"{flush_s * 1000:.0f} ms"))
        bare.close()
        holding_journal.close()

    boot = "1" * 32
    entries = [{"seq": i + 1, "ts": "2019-01-01T00:00:00.000Z", "clock_synced": False, "boot_id": boot,
                "mono_s": 10.0 + i * 0.5} for i in range(args.entries)]
    entries.append({"seq": args.entries + 1, "ts": "2026-11-25T06:00:00.000Z", "clock_synced": True,
                    "boot_id": boot, "mono_s": 10.0 + args.entries * 0.5})
    t0 = time.perf_counter()
    fixed = corrected_times(entries)
    fix_s = time.perf_counter() - t0
    assert len(fixed) == args.entries
    rows.append((f"server placing {args.entries:,} unsynchronised entries", f"{fix_s * 1000:.0f} ms "
                 f"({args.entries / fix_s / 1000:.0f}k entries/s)"))

    print("| unattended operation | figure |")
    print("|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
