"""The administrators' console against a spreadsheet, on a month of a busy community.

    python bench/console_bench.py [--entries 100000] [--repeat 25] [--no-postgres]

Stores N hash-chained entries (four gates, 30 days, with fevers, quarantine exits and
referrals among them) in the server's SQLite database, and in PostgreSQL when its
binaries are installed, then asks the console (its Flask app, logged in as a viewer)
what office staff ask: the newest page, a deep page, and the filters of the entries
screen, one at a time; then exports. Figures per request: median and p95 over
``--repeat`` runs.

Baselines measured in the same run:
- the spreadsheet: the whole month exported to Excel once, then opened with openpyxl
  (read-only) and filtered row by row in Python, which is what answering the same
  question from a spreadsheet costs before anyone has scrolled;
- the database floor: the same filter as one bare SQL COUNT on the same database.

Goal (issue "the administrators' web console"): every filtered page at least 10 times
faster than answering the same question from the spreadsheet.
"""

from __future__ import annotations

import argparse
import io
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kiosk.entry import GENESIS_HASH, entry_hash  # noqa: E402
from sync.schema import Batch  # noqa: E402

SITE = "bench-site"
GATES = ("north", "south", "east", "garage")
VIEWER = ("viewer", "bench password")
DAYS = 30


def month_of_entries(n: int, seed: int = 7) -> dict[str, list[dict]]:
    """N entries spread over 30 days and four gates, chained per gate as a kiosk chains them."""
    rng = random.Random(seed)
    start = datetime(2026, 10, 26, tzinfo=timezone.utc)
    stamps = sorted(start + timedelta(seconds=rng.uniform(0, DAYS * 86400)) for _ in range(n))
    per_gate: dict[str, list[dict]] = {g: [] for g in GATES}
    prev = {g: GENESIS_HASH for g in GATES}
    for i, ts in enumerate(stamps):
        gate = GATES[rng.randrange(len(GATES))]
        roll = rng.random()
        decision, reasons, temp = "admit", [], round(rng.gauss(36.5, 0.25), 1)
        if roll < 0.02:
            decision, reasons, temp = "deny", ["fever"], round(rng.uniform(37.4, 39.2), 1)
        elif roll < 0.025:
            decision, reasons = "deny", ["quarantine_exit"]
        elif roll < 0.07:
            decision, reasons = "refer", ["no_temperature"]
        household = f"{rng.randint(1, 12)}-{rng.randint(1, 4)}-{rng.randint(1, 6)}{rng.randint(1, 12):02d}"
        body = {
            "v": 1, "id": uuid.UUID(int=rng.getrandbits(128)).hex,
            "ts": ts.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "site": SITE, "gate": gate, "direction": "in" if i % 2 else "out",
            "decision": decision, "reasons": reasons,
            "credential": {"kind": "pass", "pass_id": f"{rng.getrandbits(64):016x}", "household": household,
                           "role": "resident"},
            "temperature": {"value_c": temp, "ambient_c": 22.0, "sensor": "gy-mcu90614"},
            "operator": None, "visitor": None,
            "seq": len(per_gate[gate]) + 1, "prev_hash": prev[gate],
        }
        body["hash"] = prev[gate] = entry_hash(body)
        per_gate[gate].append(body)
    return per_gate


def fill(storage, per_gate: dict[str, list[dict]], chunk: int = 2000) -> None:
    for gate, entries in per_gate.items():
        for i in range(0, len(entries), chunk):
            storage.store([Batch(SITE, gate, entries[i:i + chunk])])


def console_client(storage, page_size: int = 50):
    from sync.server.api import create_app
    from sync.server.console import init_console
    from sync.server.console.auth import create_user
    from sync.server.console.config import ConsoleSection

    app = create_app(storage, secret_key=b"bench" * 8, test_config={"TESTING": True})
    con = init_console(app, storage, ConsoleSection(site=SITE, page_size=page_size))
    if con.store.user(VIEWER[0]) is None:
        create_user(con.store, *VIEWER, "viewer")
    client = app.test_client()
    page = client.get("/console/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post("/console/login", data={"name": VIEWER[0], "password": VIEWER[1], "csrf_token": token})
    assert r.status_code == 302, "bench login refused"
    return client, con


def questions(sample: dict) -> list[tuple[str, str, callable]]:
    """(what staff ask, the console's query string, the same question asked of a spreadsheet row)."""
    day = sample["ts"][:10]
    hh = sample["credential"]["household"]
    pid = sample["credential"]["pass_id"]
    local_day = datetime.fromisoformat(day).date()
    since = f"{local_day}T08:00"          # that UTC day, typed in the console's Asia/Shanghai
    until = f"{local_day + timedelta(days=1)}T08:00"
    return [
        ("newest page, no filter", "", lambda r: True),
        ("page 200 (entries 9,951-10,000)", "page=200", lambda r: True),
        ("one gate, denied", "gate=north&decision=deny", lambda r: r["gate"] == "north" and r["decision"] == "deny"),
        ("fevers", "reason=fever", lambda r: "fever" in (r["reasons"] or "").split(",")),
        ("one household", f"household={hh}", lambda r: r["household"] == hh),
        ("one pass", f"pass_id={pid}", lambda r: r["credential"] == pid),
        ("one day", f"since={since}&until={until}", lambda r: r["ts"].startswith(day)),
        ("one day, one gate, going out", f"since={since}&until={until}&gate=south&direction=out",
         lambda r: r["ts"].startswith(day) and r["gate"] == "south" and r["direction"] == "out"),
    ]


def timed(fn, repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]


def spreadsheet_rows(xlsx: bytes) -> list[dict]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(xlsx), read_only=True)
    try:
        rows = wb.active.iter_rows(values_only=True)
        header = next(rows)
        return [dict(zip(header, r)) for r in rows]
    finally:
        wb.close()


def run_backend(name: str, storage, per_gate: dict[str, list[dict]], repeat: int, sheet_repeat: int) -> None:
    n = sum(len(v) for v in per_gate.values())
    t0 = time.perf_counter()
    fill(storage, per_gate)
    fill_s = time.perf_counter() - t0
    client, con = console_client(storage)
    sample = per_gate["north"][len(per_gate["north"]) // 2]
    print(f"\n### {name}: {n:,} entries, 4 gates, {DAYS} days (stored in {fill_s:.1f} s)\n", flush=True)

    # The spreadsheet, as the console itself exports it.
    t0 = time.perf_counter()
    xlsx = client.get("/console/entries/export.xlsx").get_data()
    xlsx_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    csv_bytes = client.get("/console/entries/export.csv").get_data()
    csv_s = time.perf_counter() - t0
    open_ms = []
    rows: list[dict] = []
    for _ in range(sheet_repeat):
        t0 = time.perf_counter()
        rows = spreadsheet_rows(xlsx)
        open_ms.append((time.perf_counter() - t0) * 1000)
    open_med = statistics.median(open_ms)
    assert len(rows) == n, (len(rows), n)

    print("| question | rows | console page: median ms | p95 ms | bare SQL COUNT ms | spreadsheet: open + filter ms "
          "| spreadsheet / console |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    from sync.server.console.query import parse_filters
    from werkzeug.datastructures import MultiDict
    from urllib.parse import parse_qsl

    worst = None
    for label, qs, keep in questions(sample):
        url = "/console/entries/data" + (f"?{qs}" if qs else "")
        data = client.get(url).get_json()
        assert "rows" in data, data
        med, p95 = timed(lambda: client.get(url), repeat)
        q = parse_filters(MultiDict(parse_qsl(qs)), con.tz)
        floor, _ = timed(lambda: storage.count_entries(q), max(5, repeat // 3))
        t0 = time.perf_counter()
        matched = sum(1 for r in rows if keep(r))
        filter_ms = (time.perf_counter() - t0) * 1000
        assert matched == data["total"], (label, matched, data["total"])
        sheet = open_med + filter_ms
        ratio = sheet / med
        worst = ratio if worst is None else min(worst, ratio)
        print(f"| {label} | {data['total']:,} | {med:.1f} | {p95:.1f} | {floor:.2f} | {sheet:,.0f} | {ratio:,.0f}x |",
              flush=True)
    print(f"\nSpreadsheet baseline: opening the {len(xlsx) / 1e6:.1f} MB Excel export with openpyxl "
          f"(read-only) takes {open_med / 1000:.2f} s (median of {sheet_repeat}); the filter itself is added "
          f"per question. Goal: every question at least 10x faster in the console; "
          f"slowest here {worst:,.0f}x: {'met' if worst >= 10 else 'NOT met'}.\n")

    day_qs = questions(sample)[6][1]
    med_day, _ = timed(lambda: client.get(f"/console/entries/export.csv?{day_qs}").get_data(), 5)
    day_rows = client.get(f"/console/entries/data?{day_qs}").get_json()["total"]
    print("| export | rows | seconds | rows/s |")
    print("|---|---:|---:|---:|")
    print(f"| CSV, one day | {day_rows:,} | {med_day / 1000:.3f} | {day_rows / (med_day / 1000):,.0f} |")
    print(f"| CSV, the month ({len(csv_bytes) / 1e6:.1f} MB) | {n:,} | {csv_s:.2f} | {n / csv_s:,.0f} |")
    print(f"| Excel, the month ({len(xlsx) / 1e6:.1f} MB) | {n:,} | {xlsx_s:.2f} | {n / xlsx_s:,.0f} |", flush=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--entries", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=25, help="requests per question")
    p.add_argument("--sheet-repeat", type=int, default=3, help="times the spreadsheet is opened")
    p.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = p.parse_args()
    per_gate = month_of_entries(args.entries)
    work = Path(tempfile.mkdtemp(prefix="console-bench-"))
    try:
        from sync.server.storage.sqlite import SQLiteStorage

        storage = SQLiteStorage(work / "server.sqlite3")
        try:
            run_backend("SQLite", storage, per_gate, args.repeat, args.sheet_repeat)
        finally:
            storage.close()
        if args.no_postgres:
            return 0
        from tests import pg

        if not pg.available():
            print("\nPostgreSQL: server binaries not installed; skipped.")
            return 0
        server = pg.PostgresServer().start()
        try:
            from sync.server.storage.postgres import PostgresStorage

            dsn = server.create_database("console_bench")
            pg.wait_ready(dsn)
            storage = PostgresStorage(dsn)
            try:
                run_backend("PostgreSQL", storage, per_gate, args.repeat, args.sheet_repeat)
            finally:
                storage.close()
        finally:
            server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
