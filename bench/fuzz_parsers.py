"""Fuzz every parser that sees outside input with many generated inputs and count
anything escaping other than the parser's own error.

Inputs: random bytes (as UTF-8 with surrogates, and as Latin-1), random Unicode text,
base45 of random bytes behind the pass and day-pass prefixes, valid passes with one
character or one bit changed, truncated or extended, 18-character ID-number look-
alikes, and random JSON for the registry and the visitor answers.

Usage: python bench/fuzz_parsers.py [--inputs 100000] [--seed N]
Exit status 1 when anything escaped.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import base45  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from kiosk import credentials, visitors  # noqa: E402
from sync.entry import canonical  # noqa: E402
from kiosk.policy import decide  # noqa: E402
from kiosk.registry import Registry, RegistryError  # noqa: E402
from kiosk.temperature import TemperatureResult  # noqa: E402
from sync import idnumber, passes  # noqa: E402
from sync.passes import PassPayload, public_key_b64  # noqa: E402

ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def make_inputs(rng: random.Random, good: list[str], day: str):
    kinds = ["bytes_utf8", "bytes_latin1", "unicode", "b45_pass", "b45_day", "mutated_pass", "bitflip_pass",
             "truncated_pass", "extended_pass", "id_like", "alnum", "mutated_day"]
    while True:
        kind = rng.choice(kinds)
        g = rng.choice(good)
        if kind == "bytes_utf8":
            t = rng.randbytes(rng.randrange(0, 300)).decode("utf-8", "surrogateescape")
        elif kind == "bytes_latin1":
            t = rng.randbytes(rng.randrange(0, 300)).decode("latin-1")
        elif kind == "unicode":
            t = "".join(chr(rng.randrange(0, 0x110000)) for _ in range(rng.randrange(0, 60)))
        elif kind == "b45_pass":
            t = "CP1:" + base45.b45encode(rng.randbytes(rng.randrange(0, 140))).decode()
        elif kind == "b45_day":
            t = "CPV1:" + base45.b45encode(rng.randbytes(rng.randrange(0, 40))).decode()
        elif kind == "mutated_pass":
            i = rng.randrange(len(g))
            t = g[:i] + rng.choice(ALNUM) + g[i + 1:]
        elif kind == "bitflip_pass":
            raw = bytearray(base45.b45decode(g[4:]))
            raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
            t = "CP1:" + base45.b45encode(bytes(raw)).decode()
        elif kind == "truncated_pass":
            t = g[:rng.randrange(len(g))]
        elif kind == "extended_pass":
            t = g + "".join(rng.choice(ALNUM) for _ in range(rng.randrange(1, 30)))
        elif kind == "id_like":
            t = "".join(rng.choice("0123456789") for _ in range(17)) + rng.choice("0123456789Xx")
        elif kind == "mutated_day":
            i = rng.randrange(len(day))
            t = day[:i] + rng.choice(ALNUM) + day[i + 1:]
        else:
            t = "".join(rng.choice(ALNUM) for _ in range(rng.randrange(0, 200)))
        yield kind, t


def random_json(rng: random.Random, depth: int = 0):
    r = rng.random()
    if depth > 3 or r < 0.4:
        return rng.choice([None, True, False, rng.randrange(-10**12, 10**12), rng.random() * 1e6,
                           "".join(chr(rng.randrange(32, 0x3000)) for _ in range(rng.randrange(0, 12))),
                           "2026-01-01", "12:00", "3-2-501"])
    if r < 0.7:
        return [random_json(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    keys = ["version", "issued_at", "site", "trusted_keys", "revoked", "quarantine", "known_codes", "rules",
            "household", "from", "to", "pass_id", "hours", "timezone", "role", "name", "phone", "coming_from",
            "going_to", "contact", "symptoms", "k1"]
    return {rng.choice(keys): random_json(rng, depth + 1) for _ in range(rng.randrange(0, 6))}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--inputs", type=int, default=100_000, help="code texts to try (plus a fifth as many JSON documents)")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    rng = random.Random(seed)
    key = Ed25519PrivateKey.generate()
    now = datetime.now(timezone.utc)
    nbf, exp = int((now - timedelta(days=1)).timestamp()), int((now + timedelta(days=30)).timestamp())
    good = [passes.sign(PassPayload("k1", role, nbf, exp, rng.randbytes(8).hex(), "demo-site", "3-2-501"), key)
            for role in ("resident", "staff", "visitor")]
    reg = Registry.from_dict({"version": 1, "site": "demo-site", "trusted_keys": {"k1": public_key_b64(key)},
                              "known_codes": {"RES-1": {}}})
    secret = rng.randbytes(32)
    day = visitors.make_day_pass(secret, rng.randbytes(8).hex(), exp).text
    temp = TemperatureResult("ok", 36.6)
    escaped: Counter = Counter()
    decisions: Counter = Counter()
    kinds: Counter = Counter()
    first_failure = None
    wrongly_admitted = 0
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        book = visitors.VisitorBook(Path(tmp) / "v.sqlite3")
        gen = make_inputs(rng, good, day)
        for _ in range(args.inputs):
            kind, text = next(gen)
            kinds[kind] += 1
            for name, fn in (
                ("credentials", lambda: _judge(text, reg, now, secret, book, temp)),
                ("passes.parse", lambda: _expect(passes.parse, text, passes.PassFormatError)),
                ("idnumber.parse", lambda: _expect(idnumber.parse, text, idnumber.IdNumberError)),
                ("visitors.parse_day_pass", lambda: _expect(lambda t: visitors.parse_day_pass(t, secret), text,
                                                            visitors.VisitorError)),
            ):
                try:
                    out = fn()
                    if name == "credentials":
                        decisions[out] += 1
                        if out == "admit" and text not in good[:2] and text != "RES-1":
                            wrongly_admitted += 1
                except Exception:   # noqa: BLE001 - counting is the point
                    escaped[name] += 1
                    first_failure = first_failure or (name, repr(text)[:200], traceback.format_exc(limit=3))
        book.close()
    docs = args.inputs // 5
    for _ in range(docs):
        data = random_json(rng)
        for name, fn, err in (("Registry.from_dict", Registry.from_dict, RegistryError),
                              ("VisitorAnswers.parse", visitors.VisitorAnswers.parse, visitors.VisitorError)):
            try:
                _expect(fn, data, err)
            except Exception:   # noqa: BLE001
                escaped[name] += 1
                first_failure = first_failure or (name, json.dumps(data)[:200], traceback.format_exc(limit=3))
    took = time.perf_counter() - t0
    total = args.inputs * 4 + docs * 2
    print(f"fuzz_parsers: seed {seed}: {args.inputs:,} code texts through 4 parsers and {docs:,} JSON documents "
          f"through 2: {total:,} parser calls in {took:.1f} s")
    print(f"  input kinds: {dict(sorted(kinds.items()))}")
    print(f"  decisions: {dict(decisions)}; admitted without a valid credential: {wrongly_admitted}")
    print(f"  exceptions escaping: {sum(escaped.values())} {dict(escaped) if escaped else ''}")
    if first_failure:
        print("  first failure:", *first_failure, sep="\n    ")
    return 1 if escaped or wrongly_admitted else 0


def _expect(fn, value, allowed):
    try:
        fn(value)
    except allowed:
        pass


def _judge(text, reg, now, secret, book, temp) -> str:
    a = credentials.assess(credentials.parse(text), reg, now, secret, site="demo-site", book=book)
    d = decide(a, temp, direction="in", now=now, site=reg.rules)
    canonical({"credential": a.record, "reasons": list(d.reasons)})    # must be journal-able
    return d.decision


if __name__ == "__main__":
    sys.exit(main())
