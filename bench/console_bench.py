"""The administrators' console against a spreadsheet, on a month of a busy community.

    python bench/console_bench.py [--entries 100000] [--repeat 25] [--no-postgres] [--scale N]
    python bench/console_bench.py --scale-only [--scale 1000000]

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

At scale (``--scale N``, or ``--scale-only`` for 1,000,000): N entries written into
PostgreSQL by SQL in the database (the collector would take hours), then the newest
page, one household, one day and a deep page (jumped to by its number, and reached by
下一页's cursor), median and p95 ms. Goal (issue "the office console"): each <= 100 ms.
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

from sync.entry import GENESIS_HASH, entry_hash  # noqa: E402
from sync.schema import Batch  # noqa: E402

SITE = "bench-site"
GATES = ("north", "south", "east", "garage")
VIEWER = ("viewer", "bench password")
DAYS = 30
OUT_WORD = "出"   # the direction "out" as the console's (Chinese) export words it


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
        ("page 200 (entries 9,951-10,000)", "page=200&size=50", lambda r: True),
        ("one gate, denied", "gate=north&decision=deny",
         lambda r: r["gate"] == "north" and r["decision_code"] == "deny"),
        ("fevers", "reason=fever", lambda r: "fever" in (r["reason_codes"] or "").split(",")),
        ("one household", f"household={hh}", lambda r: r["household"] == hh),
        ("one pass", f"pass_id={pid}", lambda r: r["credential"] == pid),
        ("one day", f"since={since}&until={until}", lambda r: r["ts"].startswith(day)),
        ("one day, one gate, going out", f"since={since}&until={until}&gate=south&direction=out",
         lambda r: r["ts"].startswith(day) and r["gate"] == "south" and r["direction"] == OUT_WORD),
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
        next(rows)  # the header, in the console's language; the columns are the export's
        from sync.server.export import COLUMNS

        return [dict(zip(COLUMNS, r)) for r in rows]
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


# -- at scale: a million entries on PostgreSQL -------------------------------------------

SCALE_SITE, SCALE_GATES = "scale-site", 4
# A household's entries are its own index range; the table holds 12 buildings x 4 units x 72 rooms.
_FILL_SQL = """
INSERT INTO entries (site, gate, seq, id, ts, direction, decision, household, credential_kind, pass_id, reasons,
                     temperature_c, screening, hash, prev_hash, hash_ok, body, received_at)
SELECT %(site)s, 'gate-' || (i %% %(gates)s), i / %(gates)s + 1, md5('id' || i), ts,
       CASE WHEN i %% 2 = 0 THEN 'in' ELSE 'out' END, CASE WHEN i %% 50 = 0 THEN 'deny' ELSE 'admit' END,
       hh, 'pass', pid, CASE WHEN i %% 50 = 0 THEN 'fever' ELSE '' END, 36.5, 'enforce',
       md5('h' || i), md5('h' || (i - %(gates)s)), 1,
       json_build_object('v', 1, 'ts', ts, 'direction', CASE WHEN i %% 2 = 0 THEN 'in' ELSE 'out' END,
                         'credential', json_build_object('kind', 'pass', 'pass_id', pid, 'household', hh))::text,
       extract(epoch FROM now())
FROM (SELECT i, to_char(timestamp '2026-10-26' + i * interval '1 second' * %(step)s,
                        'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ts,
             (i %% 12 + 1) || '-' || (i / 12 %% 4 + 1) || '-' || (i / 48 %% 72 + 101) AS hh,
             lpad(to_hex(i), 16, '0') AS pid
      FROM generate_series(%(lo)s, %(hi)s) AS i) AS g
"""


def fill_at_scale(dsn: str, n: int, chunk: int = 100_000) -> float:
    """N entries written by SQL in the database itself (the collector's path would take
    hours at this size and is not what is measured), the gates' tallies, then VACUUM
    ANALYZE as a server's autovacuum would have done. Returns the seconds it took."""
    import psycopg

    step = DAYS * 86400 / n
    t0 = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        for lo in range(0, n, chunk):
            conn.execute(_FILL_SQL, {"site": SCALE_SITE, "gates": SCALE_GATES, "step": step,
                                     "lo": lo, "hi": min(n, lo + chunk) - 1})
        for g in range(SCALE_GATES):
            count = len(range(g, n, SCALE_GATES))
            conn.execute("INSERT INTO gates (site, gate, contiguous_seq, tip_hash, max_seq, entry_count) "
                         "VALUES (%s, %s, %s, 'tip', %s, %s)", (SCALE_SITE, f"gate-{g}", count, count, count))
        conn.execute("VACUUM ANALYZE entries")
        conn.execute("VACUUM ANALYZE gates")
    return time.perf_counter() - t0


def run_scale(dsn: str, n: int, repeat: int) -> None:
    from sync.server.storage.postgres import PostgresStorage

    fill_s = fill_at_scale(dsn, n)
    storage = PostgresStorage(dsn)
    try:
        client, _ = console_client(storage)
        day = datetime(2026, 11, 10).date()
        deep = n // 2 // 50
        asked = [("newest page", "size=50"), ("one household", "household=3-2-150&size=50"),
                 ("one day", f"since={day}T00:00&until={day + timedelta(days=1)}T00:00&size=50"),
                 (f"deep page, jumped to (page {deep:,} of {n // 50:,})", f"page={deep}&size=50")]
        # The same depth reached by 下一页: the cursor of the page before it.
        before = client.get(f"/console/entries/data?page={deep - 1}&size=50").get_json()
        asked.append((f"deep page, by 下一页 (page {deep:,})",
                      f"page={deep}&size=50&after={before['last_key']}"))
        print(f"\n### PostgreSQL at scale: {n:,} entries, {SCALE_GATES} gates, {DAYS} days "
              f"(filled in {fill_s:.1f} s by SQL, with VACUUM ANALYZE)\n")
        print("| question | rows matched | median ms | p95 ms | goal <= 100 ms |")
        print("|---|---:|---:|---:|---|")
        for label, qs in asked:
            url = f"/console/entries/data?{qs}"
            data = client.get(url).get_json()
            assert len(data["rows"]) == 50, (label, data.get("total"))
            med, p95 = timed(lambda: client.get(url), repeat)
            print(f"| {label} | {data['total']:,} | {med:.1f} | {p95:.1f} | {'met' if med <= 100 else 'NOT met'} |",
                  flush=True)
    finally:
        storage.close()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--entries", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=25, help="requests per question")
    p.add_argument("--sheet-repeat", type=int, default=3, help="times the spreadsheet is opened")
    p.add_argument("--no-postgres", action="store_true", help="SQLite only")
    p.add_argument("--scale", type=int, default=0, metavar="N",
                   help="then N entries on PostgreSQL, filled by SQL: newest page, a household, a day, a deep "
                        "page; the fill time is printed (off by default: 1,000,000 takes minutes to fill)")
    p.add_argument("--scale-only", action="store_true", help="only the PostgreSQL run at --scale (default 1,000,000)")
    args = p.parse_args()
    if args.scale_only:
        return scale_only(args.scale or 1_000_000, args.repeat)
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
            if args.scale:
                run_scale(_empty_db(server, "console_scale"), args.scale, args.repeat)
            else:
                print("\nAt scale (1,000,000 entries on PostgreSQL): run with --scale-only or --scale 1000000.")
        finally:
            server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _empty_db(server, name: str) -> str:
    from sync.server.storage.postgres import PostgresStorage
    from tests import pg

    dsn = server.create_database(name)
    pg.wait_ready(dsn)
    PostgresStorage(dsn).close()  # creates the schema
    return dsn


def scale_only(n: int, repeat: int) -> int:
    from tests import pg

    if not pg.available():
        print("PostgreSQL: server binaries not installed; skipped.")
        return 0
    server = pg.PostgresServer().start()
    try:
        run_scale(_empty_db(server, "console_scale"), n, repeat)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
