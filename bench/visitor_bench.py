"""How fast the community server takes a visitor's own registration: declarations
signed and stored per second (``Registrar.register``: rate limits, household check,
Ed25519 signature, one SQLite insert), and the server's time from the form's submit to
the pass page (the POST through Flask, the redirect, the pass page with its QR code),
beside a bare Ed25519 sign of the same payload measured in the same run (the floor).

Prints a markdown table. Usage: python bench/visitor_bench.py [--n 2000]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sync.passes import PassPayload, VisitorClaims  # noqa: E402
from sync.server.api import create_app  # noqa: E402
from sync.server.console import init_console  # noqa: E402
from sync.server.passes import load_or_create_key  # noqa: E402
from sync.server.storage.sqlite import SQLiteStorage  # noqa: E402
from sync.server.visitors import init_visitor_page, make_registrar  # noqa: E402
from sync.server.visitors.config import VisitorsSection  # noqa: E402
from sync.server.visitors.questions import Declaration  # noqa: E402

LOTS = 10000       # the most the config allows: no rate limit gets in the way of a benchmark


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def timed(fn, items):
    out = []
    for x in items:
        t0 = time.perf_counter()
        fn(x)
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000, help="registrations per measurement")
    n = ap.parse_args().n
    with tempfile.TemporaryDirectory() as tmp:
        storage = SQLiteStorage(Path(tmp) / "server.sqlite3")
        key = load_or_create_key(Path(tmp) / "pass-key.pem", "p1")
        app = create_app(storage, secret_key=b"b" * 32)
        con = init_console(app, storage, pass_key=key)
        for b in range(1, 41):
            con.store.upsert_household(str(b), "2", "501")
        settings = VisitorsSection(per_ip_per_hour=LOTS, per_phone_per_hour=LOTS)
        registrar = make_registrar(storage, key, settings, site="demo-site", timezone_name="Asia/Shanghai",
                                   id_key=b"i" * 32)
        init_visitor_page(app, registrar, b"f" * 32)
        client = app.test_client()

        decls = [Declaration("张伟", f"138{i:08d}", f"{i % 40 + 1}-2-501", "410100", "探亲", False, i % 7 == 0,
                             "11010519491231002X" if i % 3 == 0 else None) for i in range(n)]
        w = registrar.today()
        payloads = [PassPayload("p1", "visitor", w.not_before, w.expires, f"{i:016x}", "demo-site", "3-2-501",
                                VisitorClaims("张*", "410100", False, False)) for i in range(n)]
        for p in payloads[:50]:             # warm up both paths
            key.key.sign(b"CP1" + p.encode())
        registrar.register(decls[0])
        bare = timed(lambda p: key.key.sign(b"CP1" + p.encode()), payloads)
        t0 = time.perf_counter()
        stored = timed(registrar.register, decls)
        per_s = n / (time.perf_counter() - t0)

        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/v/").get_data(as_text=True)).group(1)

        def submit_to_pass(i: int) -> None:
            r = client.post("/v/", data={"csrf_token": token, "name": "张伟", "phone": f"139{i:08d}",
                                         "building": str(i % 40 + 1), "unit": "2", "room": "501",
                                         "province": "410000", "origin": "410100", "going_to": "探亲",
                                         "contact": "no", "symptoms": "no"})
            assert r.status_code == 303, r.status_code
            assert client.get(r.headers["Location"]).status_code == 200

        web = timed(submit_to_pass, range(min(n, 500)))
        storage.close()
    med0 = statistics.median(bare)
    print(f"visitor bench: {n} registrations signed and stored (SQLite), {min(n, 500)} through the page\n")
    print(f"declarations signed and stored: **{per_s:.0f} per second**\n")
    print("| what | median ms | p95 ms | max ms | median / baseline |")
    print("|---|---:|---:|---:|---:|")
    for name, v in (("bare Ed25519 sign (baseline)", bare), ("register: check, sign, store", stored),
                    ("submit → pass page (server time)", web)):
        print(f"| {name} | {statistics.median(v):.3f} | {pct(v, 0.95):.3f} | {max(v):.3f} | "
              f"{statistics.median(v) / med0:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
