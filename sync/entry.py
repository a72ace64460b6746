"""The entry record: what the journal holds and the server receives.

An entry is a plain JSON object (see DESIGN.md, "Entry record"). Its ``hash`` is the
SHA-256 of its canonical form — every other field, sorted keys, compact separators,
UTF-8 — and ``prev_hash`` is the hash of the entry before it, so an edited or missing
entry shows on both the kiosk and the server.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Any

GENESIS_HASH = "0" * 64
DECISIONS = ("admit", "deny", "refer")
DIRECTIONS = ("in", "out")


def canonical(entry: dict[str, Any]) -> bytes:
    body = {k: v for k, v in entry.items() if k != "hash"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(entry: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def verify_chain(entries: list[dict[str, Any]], prev_hash: str = GENESIS_HASH) -> int | None:
    """Return the seq of the first entry that breaks the chain, or None when all hold.

    ``entries`` must be consecutive by seq; a gap in seq is a break too.
    """
    expected_seq = entries[0]["seq"] if entries else None
    for e in entries:
        if e["seq"] != expected_seq or e.get("prev_hash") != prev_hash or e.get("hash") != entry_hash(e):
            return e["seq"]
        prev_hash = e["hash"]
        expected_seq += 1
    return None
