"""How fast the community server takes a visitor's own registration: declarations
signed and stored per second (``Registrar.register``: rate limits, household check,
Ed25519 signature, one SQLite insert), and the server's time from the form's submit to
the pass page (the POST through Flask, the redirect, the pass page with its QR code),
beside a bare Ed25519 sign of the same payload measured in the same run (the floor).

Then how far from the kiosk's camera the pass still reads: the visitor pass (QR version
8-M) and a resident pass (7-M) rendered by the camera simulator at shrinking module
sizes, clean and with mild blur and tilt, read by the kiosk's own decoder. The distance
column assumes a 640x480 camera with a 60° horizontal field of view and the code shown
5 cm wide on the phone (300 CSS px on a 390-px-wide screen).

Prints markdown tables. Usage: python bench/visitor_bench.py [--n 2000]
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
                                visitor=VisitorClaims("张*", "410100", False, False)) for i in range(n)]
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
                                         "province": "410000", "origin": "410100", "heading_to": "探亲",
                                         "contact": "no", "symptoms": "no"})
            assert r.status_code == 303, r.status_code
            assert client.get(r.headers["Location"]).status_code == 200

        web = timed(submit_to_pass, range(min(n, 500)))
        visitor_text = registrar.register(decls[1]).text
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
    reach(visitor_text, key)
    return 0


def reach(visitor_text: str, key) -> None:
    from dataclasses import replace

    import numpy as np

    from drivers.decoding.cascade import CascadeDecoder
    from drivers.sim.faults import CLEAN, compose, render_code
    from sync.passes import sign

    w = PassPayload("p1", "resident", 0, 2**31, "0" * 16, "demo-site", "12-3-1201")
    texts = {"visitor pass (8-M, 49 modules)": visitor_text, "resident pass (7-M, 45 modules)": sign(w, key.key)}
    kinds = {"clean": CLEAN, "tilt 25°": replace(CLEAN, tilt_deg=25), "blur 0.8 px": replace(CLEAN, blur_px=0.8),
             "blur 1 px, tilt 25°": replace(CLEAN, blur_px=1.0, tilt_deg=25)}
    decoder, seeds = CascadeDecoder(), 12
    print("\n| code | module px | code px across | ~distance cm | " + " | ".join(kinds) + " |")
    print("|---|---:|---:|---:|" + "---:|" * len(kinds))
    for name, text in texts.items():
        code, modules = render_code(text, "qr", 6), 49 if "8-M" in name else 45
        for module_px in (1.5, 1.75, 2.0, 2.5, 3.0):
            across = module_px * modules
            rates = []
            for faults in kinds.values():
                hits = sum(any(c.text == text for c in decoder.decode(
                    compose(code, replace(faults, module_px=module_px), rng=np.random.default_rng(s))))
                    for s in range(seeds))
                rates.append(f"{hits}/{seeds}")
            print(f"| {name} | {module_px} | {across:.0f} | {640 * 5 / (1.155 * across):.0f} | {' | '.join(rates)} |")


if __name__ == "__main__":
    sys.exit(main())
