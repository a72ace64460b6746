"""The MQTT payloads of contract version 1, and their validation.

Pure functions: bytes in, a checked value out, or a ``SchemaError`` whose message says
what is wrong in words a person can act on. Nothing here touches the network or disk.

- entries batch: ``{"v":1,"site":S,"gate":G,"entries":[entry, ...]}``, oldest first
- ack:           ``{"v":1,"seq":N}`` — every entry of that gate up to N is stored
- status:        ``{"v":1,"state":"online"|"offline"|"stopped", ...}`` (retained)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sync.entry import DECISIONS, DIRECTIONS
from sync.idnumber import mask_in_text
from sync.screening import MODES
from sync.topics import is_name

VERSION = 1
MAX_BATCH_BYTES = 4 * 1024 * 1024
MAX_BATCH_ENTRIES = 5000
MAX_ENTRY_BYTES = 64 * 1024
# A kiosk journals far fewer than a million entries a year: a seq past MAX_SEQ, or more
# than SEQ_WINDOW past what the server holds of that gate, is a forged or broken batch.
MAX_SEQ = 2**40
SEQ_WINDOW = 10_000_000
STATUS_STATES = ("online", "offline", "stopped")
COLLECTOR_STATES = ("online", "offline")

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|\+00:00)$")


class SchemaError(ValueError):
    """A payload that does not follow the contract; the message says why."""


@dataclass(frozen=True)
class Batch:
    site: str
    gate: str
    entries: list[dict[str, Any]]

    @property
    def first_seq(self) -> int:
        return self.entries[0]["seq"]

    @property
    def last_seq(self) -> int:
        return self.entries[-1]["seq"]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _object(payload: bytes | str, max_bytes: int) -> dict[str, Any]:
    if len(payload) > max_bytes:
        raise SchemaError(f"payload of {len(payload)} bytes is over the limit of {max_bytes}")
    try:
        text = payload.decode("utf-8") if isinstance(payload, (bytes, bytearray)) else payload
    except UnicodeDecodeError:
        raise SchemaError("payload is not UTF-8") from None
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise SchemaError(f"payload is not JSON: {str(exc)[:80]}") from None
    if not isinstance(data, dict):
        raise SchemaError(f"payload is a JSON {type(data).__name__}, expected an object")
    if data.get("v") != VERSION or not _is_int(data.get("v")):
        raise SchemaError(f"unsupported payload version {data.get('v')!r} (expected {VERSION})")
    return data


def check_entry(entry: Any, site: str, gate: str) -> None:
    """Raise SchemaError unless ``entry`` is a well-formed entry record of ``site``/``gate``."""
    if not isinstance(entry, dict):
        raise SchemaError(f"entry is a JSON {type(entry).__name__}, expected an object")
    seq = entry.get("seq")
    where = f"entry seq {seq!r}"
    if not _is_int(seq) or seq < 1 or seq > MAX_SEQ:
        raise SchemaError(f"{where}: seq must be a positive integer up to {MAX_SEQ}")
    if entry.get("site") != site or entry.get("gate") != gate:
        raise SchemaError(f"{where}: names {entry.get('site')!r}/{entry.get('gate')!r}, "
                          f"but the batch is from {site}/{gate}")
    if not isinstance(entry.get("id"), str) or not _ID.match(entry["id"]):
        raise SchemaError(f"{where}: id must be 1-64 letters, digits, '-' or '_'")
    if not isinstance(entry.get("ts"), str) or not 10 <= len(entry["ts"]) <= 40:
        raise SchemaError(f"{where}: ts must be an ISO 8601 text")
    for key in ("hash", "prev_hash"):
        if not isinstance(entry.get(key), str) or not _HEX64.match(entry[key]):
            raise SchemaError(f"{where}: {key} must be 64 lowercase hex digits")
    if entry.get("decision") not in DECISIONS:
        raise SchemaError(f"{where}: decision {entry.get('decision')!r} is not one of {', '.join(DECISIONS)}")
    if entry.get("direction") not in DIRECTIONS:
        raise SchemaError(f"{where}: direction {entry.get('direction')!r} is not one of {', '.join(DIRECTIONS)}")
    # Entries made before the screening modes carry none: they were all decided under enforce.
    if "screening" in entry and entry["screening"] not in MODES:
        raise SchemaError(f"{where}: screening {entry['screening']!r} is not one of {', '.join(MODES)}")
    reasons = entry.get("reasons", [])
    if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
        raise SchemaError(f"{where}: reasons must be a list of texts")
    for key in ("credential", "temperature", "visitor", "operator"):
        value = entry.get(key)
        if value is not None and not isinstance(value, (dict, str)):
            raise SchemaError(f"{where}: {key} must be an object, a text or null")
    # A pass's end (entries made before it was recorded carry none): the server's overstay check reads it.
    until = entry["credential"].get("valid_until") if isinstance(entry.get("credential"), dict) else None
    if until is not None and not (isinstance(until, str) and _ISO_UTC.match(until)):
        raise SchemaError(f"{where}: credential valid_until must be an ISO 8601 UTC time like 2026-03-02T12:00:00Z")


def parse_batch(payload: bytes | str, topic_site: str, topic_gate: str,
                max_bytes: int = MAX_BATCH_BYTES) -> Batch:
    """Check an entries batch received on ``checkpoint/v1/{topic_site}/{topic_gate}/entries``.

    The topic is what the broker's ACL vouches for, so a payload naming any other gate,
    in the batch or in any entry, is refused.
    """
    if not is_name(topic_site) or not is_name(topic_gate):
        raise SchemaError(f"topic names an invalid site/gate {topic_site[:64]!r}/{topic_gate[:64]!r}")
    data = _object(payload, max_bytes)
    if data.get("site") != topic_site or data.get("gate") != topic_gate:
        raise SchemaError(f"batch names {data.get('site')!r}/{data.get('gate')!r} "
                          f"but arrived on the topic of {topic_site}/{topic_gate}")
    entries = data.get("entries")
    if not isinstance(entries, list) or not entries:
        raise SchemaError("entries must be a non-empty list")
    if len(entries) > MAX_BATCH_ENTRIES:
        raise SchemaError(f"batch of {len(entries)} entries is over the limit of {MAX_BATCH_ENTRIES}")
    prev = 0
    # Only a payload over the limit can hold an entry over it: measure entries then only.
    measure = len(payload) > MAX_ENTRY_BYTES
    for entry in entries:
        check_entry(entry, topic_site, topic_gate)
        if measure:
            size = len(json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
            if size > MAX_ENTRY_BYTES:
                raise SchemaError(f"entry seq {entry['seq']}: {size} bytes is over the limit of "
                                  f"{MAX_ENTRY_BYTES} for one entry")
        if entry["seq"] <= prev:
            raise SchemaError(f"entry seq {entry['seq']} follows seq {prev}: entries must be oldest first")
        prev = entry["seq"]
    return Batch(topic_site, topic_gate, entries)


def check_window(batch: Batch, stored_seq: int) -> None:
    """Refuse a batch reaching more than SEQ_WINDOW past ``stored_seq`` (the highest seq
    below which the server holds everything of that gate): no kiosk runs that far ahead."""
    if batch.last_seq > stored_seq + SEQ_WINDOW:
        raise SchemaError(f"entry seq {batch.last_seq} is more than {SEQ_WINDOW} past seq {stored_seq}, "
                          f"the last one stored for {batch.site}/{batch.gate}")


# A quick look at a payload before its entries are searched one by one: an ID number is
# a run of 17 digits and a check character standing alone, as sync.idnumber finds them
# in text. A payload with JSON escapes could spell one with them, and is always searched.
_DIGITS17 = re.compile(rb"[0-9]{17}")
_ALNUM = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def may_hold_id_number(payload: bytes | str) -> bool:
    raw = payload.encode("utf-8") if isinstance(payload, str) else payload
    if b"\\u" in raw:
        return True
    for m in _DIGITS17.finditer(raw):
        start, end = m.start(), m.end()
        if ((start == 0 or raw[start - 1] not in _ALNUM) and end < len(raw) and raw[end] in b"0123456789Xx"
                and (end + 1 == len(raw) or raw[end + 1] not in _ALNUM)):
            return True
    return False


def mask_id_numbers(value: Any) -> tuple[Any, int]:
    """``value`` (an entry, or any part of one) with every clear ID number in its texts
    masked, and how many there were. The kiosk masks them itself; this is the server's
    guard for any that still arrive."""
    if isinstance(value, str):
        return mask_in_text(value)
    if isinstance(value, list):
        parts = [mask_id_numbers(v) for v in value]
        return [p[0] for p in parts], sum(p[1] for p in parts)
    if isinstance(value, dict):
        parts = {k: mask_id_numbers(v) for k, v in value.items()}
        return {k: p[0] for k, p in parts.items()}, sum(p[1] for p in parts.values())
    return value, 0


def encode_batch(site: str, gate: str, entries: list[dict[str, Any]]) -> bytes:
    return json.dumps({"v": VERSION, "site": site, "gate": gate, "entries": entries},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def encode_batch_raw(site: str, gate: str, bodies: list[str]) -> bytes:
    """Like ``encode_batch`` for entries already serialised as JSON texts (the journal's rows)."""
    head = json.dumps({"v": VERSION, "site": site, "gate": gate}, separators=(",", ":"))[:-1]
    return (head + ',"entries":[' + ",".join(bodies) + "]}").encode("utf-8")


def encode_ack(seq: int) -> bytes:
    return json.dumps({"v": VERSION, "seq": seq}).encode()


def parse_ack(payload: bytes | str) -> int:
    data = _object(payload, 1024)
    seq = data.get("seq")
    if not _is_int(seq) or seq < 0:
        raise SchemaError(f"ack seq must be a non-negative integer, got {seq!r}")
    return seq


def encode_status(fields: dict[str, Any]) -> bytes:
    return json.dumps({"v": VERSION, **fields}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def parse_status(payload: bytes | str) -> dict[str, Any]:
    data = _object(payload, 64 * 1024)
    if data.get("state") not in STATUS_STATES:
        raise SchemaError(f"status state {data.get('state')!r} is not one of {', '.join(STATUS_STATES)}")
    backlog = data.get("backlog")
    if backlog is not None and (not _is_int(backlog) or backlog < 0):
        raise SchemaError("status backlog must be a non-negative integer")
    return data


def encode_collector_status(state: str) -> bytes:
    return json.dumps({"v": VERSION, "state": state}).encode()


def parse_collector_status(payload: bytes | str) -> str:
    state = _object(payload, 1024).get("state")
    if state not in COLLECTOR_STATES:
        raise SchemaError(f"collector state {state!r} is not one of {', '.join(COLLECTOR_STATES)}")
    return state
