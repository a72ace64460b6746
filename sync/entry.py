"""The entry record: what the journal holds and the server receives.

An entry is a plain JSON object (see DESIGN.md, "Entry record"). Its ``hash`` is the
SHA-256 of its canonical form — every other field, sorted keys, compact separators,
UTF-8 — and ``prev_hash`` is the hash of the entry before it, so an edited or missing
entry shows on both the kiosk and the server.

An entry is made once, by ``new_entry``, when the person is decided: that fixes its
id, time and clock stamp. ``chain_entry`` later gives it its place in the journal
(seq, prev_hash, hash), which for an entry held while the disk was full is some time
after it was made.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timezone
from typing import Any, Mapping

GENESIS_HASH = "0" * 64
DECISIONS = ("admit", "deny", "refer")
DIRECTIONS = ("in", "out")
ENTRY_VERSION = 1
# What a kiosk's clock says about the moment an entry was made (see kiosk/clock.py).
STAMP_KEYS = ("clock_synced", "boot_id", "mono_s")
CHAIN_KEYS = ("seq", "prev_hash", "hash")
# Set by new_entry and chain_entry, never by the decided fields.
_MADE_KEYS = frozenset(("v", "id", "ts", "site", "gate", *STAMP_KEYS, *CHAIN_KEYS))


def canonical(entry: dict[str, Any]) -> bytes:
    body = {k: v for k, v in entry.items() if k != "hash"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(entry: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_entry(fields: Mapping[str, Any], *, site: str, gate: str, stamp: Mapping[str, Any],
              ts: str | None = None) -> dict[str, Any]:
    """A new entry: a fresh id, the time it was made (now unless ``ts`` is given), the
    clock ``stamp`` (STAMP_KEYS), where, and what was decided (``fields``: direction,
    credential, temperature, decision, reasons, ...).

    ``fields`` may not set what is made here or by ``chain_entry`` (ValueError), so an
    entry's identity never depends on which dict was unpacked last.
    """
    if not _MADE_KEYS.isdisjoint(fields):
        raise ValueError(f"entry fields may not set {', '.join(sorted(_MADE_KEYS.intersection(fields)))}: "
                         "they are made with the entry")
    return {"v": ENTRY_VERSION, "id": uuid.uuid4().hex, "ts": ts or utc_now_iso(),
            **{key: stamp[key] for key in STAMP_KEYS}, "site": site, "gate": gate, **fields}


def chain_entry(entry: Mapping[str, Any], seq: int, prev_hash: str) -> dict[str, Any]:
    """``entry`` as the journal writes it: numbered ``seq``, after the entry whose hash
    is ``prev_hash``, and hashed. Its id, time and stamp stay as they were made."""
    chained = {**entry, "seq": seq, "prev_hash": prev_hash}
    chained["hash"] = entry_hash(chained)
    return chained


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
