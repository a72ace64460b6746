#!/usr/bin/env python3
"""Writes the demo's registry and scenario (config/demo/) with real signed passes.

A fresh demo key signs every pass, its public half goes into the registry, and the
private half is thrown away: the demo passes can be checked but no more can be made.
Run again to make a new set: ``python scripts/make_demo_passes.py``.
"""

from __future__ import annotations

import csv
import json
import secrets
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from kiosk.credentials import mask_name  # noqa: E402
from sync.passes import PassPayload, public_key_b64, sign  # noqa: E402

DEMO = Path(__file__).resolve().parent.parent / "config" / "demo"
SITE = "demo-site"
KEY_ID = "demo-1"


def first_names() -> dict[str, str]:
    """household -> the first resident listed in residents.csv (the console's import file)."""
    with open(DEMO / "residents.csv", encoding="utf-8", newline="") as f:
        return {f"{r['楼栋']}-{r['单元']}-{r['房号']}": r["姓名"].split("、")[0] for r in csv.DictReader(f)}


def main() -> int:
    names = first_names()
    key = Ed25519PrivateKey.generate()
    stranger = Ed25519PrivateKey.generate()
    now = datetime.now(timezone.utc).replace(microsecond=0)
    valid = (int((now - timedelta(days=1)).timestamp()), int((now + timedelta(days=3650)).timestamp()))

    def make(household, role="resident", k=key, kid=KEY_ID, dates=valid):
        p = PassPayload(kid, role, dates[0], dates[1], secrets.token_hex(8), SITE, household)
        return p.pass_id, sign(p, k)

    passes = {hh: make(hh) for hh in [f"3-2-5{n:02d}" for n in range(0, 20)]}
    _, visitor = make("3-2-509", role="visitor")
    _, expired = make("3-2-508", dates=(int(datetime(2025, 1, 1, tzinfo=timezone.utc).timestamp()),
                                        int(datetime(2025, 12, 31, tzinfo=timezone.utc).timestamp())))
    _, forged = make("3-2-510", k=stranger)                 # claims the demo key id
    _, unknown_key = make("3-2-511", k=stranger, kid="old-2019")

    registry = {
        "version": 1,
        "issued_at": now.isoformat().replace("+00:00", "Z"),
        "site": SITE,
        "trusted_keys": {KEY_ID: public_key_b64(key)},
        "revoked": [passes["3-2-506"][0]],
        "quarantine": [{"household": "3-2-514", "from": now.date().isoformat(),
                        "to": (now.date() + timedelta(days=3650)).isoformat()}],
        "known_codes": {"RES-0004": {"household": "3-2-503", "role": "resident", "name": mask_name(names["3-2-503"])},
                        "STAFF-0042": {"household": "3-2-509", "role": "staff", "name": mask_name(names["3-2-509"])},
                        "RES-0007": {"household": "3-2-507", "role": "resident", "name": mask_name(names["3-2-507"])}},
        # The screen greets a resident by the masked name; the server sends no more than that.
        "holders": {pid: mask_name(names[hh]) for hh, (pid, _) in passes.items() if hh in names},
        "rules": {"timezone": "Asia/Shanghai", "hours": {}, "visitors_must_register": True},
    }
    people = [
        (passes["3-2-501"][1], 36.6, "admit", "resident pass"),
        (passes["3-2-502"][1], 36.4, "admit", "resident pass"),
        (passes["3-2-503"][1], 38.2, "deny", "fever, confirmed by a second reading"),
        ("RES-0004", 36.8, "admit", "plain code the registry knows"),
        (visitor, 36.5, "refer", "visitor pass, not registered yet"),
        (passes["3-2-505"][1], "none", "refer", "no temperature taken"),
        (passes["3-2-506"][1], 36.6, "deny", "revoked pass"),
        (passes["3-2-501"][1], 36.6, "refer", "the first pass again, never left: passback"),
        # The other ways in: the demo kiosk's [[reader]]s; the cards are bound (and the lost
        # one revoked) on the demo's server from cards.csv, as the console does.
        ("RES-0007", 36.6, "admit", "a code shown to the scanner module", "scanner"),
        ("0040856634", 36.6, "admit", "access card bound to 3-2-510", "card"),
        ("0040856635", 36.6, "deny", "access card reported lost, revoked", "card"),
        ("0012345678", 36.6, "refer", "access card nobody bound", "card"),
        ("11010519491231002X", 36.6, "refer", "resident ID card: the kiosk cannot verify it", "idcard"),
        (expired, 36.7, "deny", "expired pass"),
        ("STAFF-0042", 36.7, "admit", "staff card, Code 128"),
        (forged, 36.5, "deny", "forged: signed by another key under the demo key id"),
        ("UNKNOWN-7731", 38.5, "deny", "unknown code and a fever"),
        (passes["3-2-512"][1], 36.6, "admit", "resident pass"),
        (unknown_key, 36.2, "deny", "signed by a key the kiosk does not trust"),
        (passes["3-2-514"][1], 36.5, "admit", "quarantined household coming home"),
        (passes["3-2-515"][1], 39.0, "deny", "fever"),
        ("VISITOR-0099", 36.5, "refer", "unregistered code"),
        (passes["3-2-517"][1], 36.4, "admit", "resident pass"),
        (passes["3-2-518"][1], 37.1, "admit", "resident pass, warm but under 37.3"),
        (passes["3-2-519"][1], 36.6, "admit", "resident pass"),
    ]
    lines = ["# The demo scenario: who arrives at the gate. Format: see drivers/sim/scenario.py",
             "# and docs/kiosk.md (\"Scenario files\"). Made by scripts/make_demo_passes.py with the",
             "# registry.json beside it: the CP1: codes are real passes signed by the demo key.",
             "", "[defaults]", "gap_s = 2.0", "show_s = 1.5", "temperature_c = 36.6"]
    for code, temp, expect, why, *way in people:
        lines += ["", f"# {why}", "[[person]]", f"{way[0] if way else 'code'} = {json.dumps(code)}",
                  f"temperature_c = {json.dumps(temp)}"]
        if code == "STAFF-0042":
            lines.append('barcode = "code128"')
        lines.append(f'expect = "{expect}"')
    (DEMO / "scenario.toml").write_text("\n".join(lines) + "\n", "utf-8")
    (DEMO / "registry.json").write_text(json.dumps(registry, indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(f"wrote {DEMO / 'scenario.toml'} and {DEMO / 'registry.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
