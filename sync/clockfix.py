"""Place entries made before the kiosk's clock was synchronised.

A kiosk with no real-time clock may journal entries with a wrong wall time until NTP
sets the clock; it flags them ``clock_synced: false`` and stamps each entry with its
``boot_id`` and ``mono_s`` (seconds since boot). The monotonic clock runs true the whole
boot, so one later synchronised entry of the same boot (or any synchronised anchor:
``boot_id``, ``mono_s``, ``ts``) tells when every earlier one really happened:

    ts_corrected = anchor.ts - (anchor.mono_s - entry.mono_s)

The nearest later anchor is used, so the monotonic clock's own drift counts least.
Pure functions: entries in, corrected times out; the entries are never changed (their
hash covers ``ts``), the caller stores the corrected time beside them.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Mapping


def parse_ts(text: str) -> datetime | None:
    try:
        ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None
    return ts if ts.tzinfo else ts.replace(tzinfo=timezone.utc)


def format_ts(ts: datetime) -> str:
    return ts.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _mono(e: Mapping[str, Any]) -> float | None:
    m = e.get("mono_s")
    return float(m) if isinstance(m, (int, float)) and not isinstance(m, bool) and m >= 0 else None


def _anchor(e: Mapping[str, Any]) -> tuple[str, float, datetime] | None:
    if e.get("clock_synced") is not True or not isinstance(e.get("boot_id"), str) or not e["boot_id"]:
        return None
    mono, ts = _mono(e), parse_ts(e.get("ts"))
    return (e["boot_id"], mono, ts) if mono is not None and ts is not None else None


def corrected_times(entries: Iterable[Mapping[str, Any]],
                    anchors: Iterable[Mapping[str, Any]] = ()) -> dict[int, str]:
    """``{seq: ts_corrected}`` for each unsynchronised entry of one gate that a later
    synchronised entry or anchor of the same boot can place. Entries without the clock
    fields, or with no later anchor yet, are left out (their ``ts`` stays as it is)."""
    entries = list(entries)
    by_boot: dict[str, list[tuple[float, datetime]]] = defaultdict(list)
    for e in [*entries, *anchors]:
        if (a := _anchor(e)) is not None:
            by_boot[a[0]].append((a[1], a[2]))
    for points in by_boot.values():
        points.sort(key=lambda p: p[0])
    out: dict[int, str] = {}
    for e in entries:
        if e.get("clock_synced") is not False:
            continue
        points, mono = by_boot.get(e.get("boot_id") or ""), _mono(e)
        if not points or mono is None:
            continue
        i = bisect.bisect_left([p[0] for p in points], mono)
        if i == len(points):
            continue            # nothing synchronised after it on this boot yet
        anchor_mono, anchor_ts = points[i]
        out[e["seq"]] = format_ts(anchor_ts - timedelta(seconds=anchor_mono - mono))
    return out
