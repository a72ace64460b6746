"""How long the kiosk's judgement takes per code: parse, signature, dates, registry,
quarantine, anti-passback and the policy (``Gatekeeper.judge``), beside a bare
Ed25519 verify of the same pass measured in the same run (the floor: one signature
check is the only costly step).

A realistic registry: 5,000 revoked pass ids, 2,000 quarantined households, 10,000
known plain codes, two trusted keys.

Prints a markdown table. Usage: python bench/policy_bench.py [--n 5000]
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from kiosk import config  # noqa: E402
from kiosk.gatekeeper import Gatekeeper  # noqa: E402
from kiosk.registry import Registry, RegistryStore  # noqa: E402
from kiosk.temperature import TemperatureResult  # noqa: E402
from sync import passes  # noqa: E402
from sync.passes import PassPayload, public_key_b64  # noqa: E402


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def timed(fn, items):
    out = []
    for x in items:
        t0 = time.perf_counter()
        fn(x)
        out.append((time.perf_counter() - t0) * 1e6)
    return out


def _flip_signature(text: str) -> str:
    import base45

    raw = bytearray(base45.b45decode(text[4:]))
    raw[-1] ^= 0x01
    return "CP1:" + base45.b45encode(bytes(raw)).decode()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000, help="codes per kind")
    n = ap.parse_args().n
    key, old = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    now = datetime.now(timezone.utc)
    nbf, exp = int((now - timedelta(days=1)).timestamp()), int((now + timedelta(days=365)).timestamp())
    texts = [passes.sign(PassPayload("k2", "resident", nbf, exp, secrets.token_hex(8), "demo-site",
                                     f"{i % 40 + 1}-{i % 4 + 1}-{i % 3000 + 101}"), key) for i in range(n)]
    registry = Registry.from_dict({
        "version": 1, "site": "demo-site",
        "trusted_keys": {"k1": public_key_b64(old), "k2": public_key_b64(key)},
        "revoked": [secrets.token_hex(8) for _ in range(5000)],
        "quarantine": [{"household": f"{i}-1-{i}", "from": "2026-01-01", "to": "2036-01-01"} for i in range(2000)],
        "known_codes": {f"RES-{i:05d}": {"household": "1-1-101"} for i in range(10000)},
    })
    with tempfile.TemporaryDirectory() as tmp:
        cfg = config.from_dict({"kiosk": {"state_dir": tmp}})
        store = RegistryStore(tmp)
        store.offer(registry)
        gk = Gatekeeper(cfg, store)
        ok = TemperatureResult("ok", 36.6)
        parsed = [passes.parse(t) for t in texts]
        pub = registry.public_key("k2")
        # Warm up both paths once, then measure interleaved so both see the same machine.
        for t, p in zip(texts[:50], parsed[:50]):
            gk.judge(t, "QRCODE", ok, now)
            pub.verify(p.signature, b"CP1" + p.signed_bytes)
        base = timed(lambda p: pub.verify(p.signature, b"CP1" + p.signed_bytes), parsed)
        judged = timed(lambda t: gk.judge(t, "QRCODE", ok, now), texts)
        decisions = {gk.judge(t, "QRCODE", ok, now).decision.decision for t in texts[:100]}
        plain = timed(lambda t: gk.judge(t, "CODE128", ok, now), [f"RES-{i % 10000:05d}" for i in range(n)])
        unknown = timed(lambda t: gk.judge(t, "QRCODE", ok, now), [f"X-{i}" for i in range(n)])
        forged = timed(lambda t: gk.judge(t, "QRCODE", ok, now), [_flip_signature(t) for t in texts])
        gk.close()
    rows = [("bare Ed25519 verify (baseline)", base), ("signed pass: judge", judged),
            ("forged pass (signature bit flipped): judge", forged), ("known plain code: judge", plain), ("unknown code: judge", unknown)]
    med0 = statistics.median(base)
    print(f"policy bench: {n} codes per kind, registry of 5,000 revoked / 2,000 quarantined / 10,000 codes")
    print(f"(decisions on the valid passes: {sorted(decisions)})\n")
    print("| what | median µs | p95 µs | max µs | median / baseline |")
    print("|---|---:|---:|---:|---:|")
    for name, v in rows:
        print(f"| {name} | {statistics.median(v):.1f} | {pct(v, 0.95):.1f} | {max(v):.1f} | "
              f"{statistics.median(v) / med0:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
