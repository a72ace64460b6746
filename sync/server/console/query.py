"""The entries filters of the console: the API's ``EntryQuery`` plus reason and pass.

Times typed into the console are local to the site (``[console] timezone``); entries
are stored in UTC, so the filters convert on the way in and the table on the way out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sync.entry import DECISIONS, DIRECTIONS
from sync.screening import MODES
from sync.server.storage import EntryQuery
from sync.vocabulary import OTHER_REASONS, SEVERITY

# Every reason code a kiosk can put on an entry: the reason filter's choices.
REASONS = tuple(sorted({*SEVERITY, *OTHER_REASONS}))
FILTERS = ("since", "until", "gate", "direction", "decision", "reason", "screening", "household", "pass_id")
_REASON = re.compile(r"^[a-z_]{1,40}$")
_TOKEN = re.compile(r"^[0-9A-Za-z_-]{1,64}$")


class FilterError(ValueError):
    """A filter value the console cannot use; ``field`` names it, ``hint`` keys the
    catalogue's words for what it takes (filter.hint.<hint>)."""

    def __init__(self, field: str, message: str, hint: str) -> None:
        super().__init__(message)
        self.field, self.hint = field, hint


@dataclass
class ConsoleQuery(EntryQuery):
    reason: str | None = None
    pass_id: str | None = None

    def where(self) -> tuple[str, list[Any]]:
        sql, params = super().where()
        clauses = [sql[len(" WHERE "):]] if sql else []
        if self.reason:
            clauses.append("(',' || reasons || ',') LIKE ?")
            params.append(f"%,{self.reason},%")
        if self.pass_id:
            clauses.append("pass_id = ?")
            params.append(self.pass_id)
        return ((" WHERE " + " AND ".join(clauses)) if clauses else ""), params


def to_utc(value: str, tz: ZoneInfo) -> str:
    """'2026-11-25T08:00' (local) -> '2026-11-25T00:00:00.000Z'."""
    dt = datetime.fromisoformat(value.strip().replace(" ", "T"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)
    return dt.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def local_time(ts: str | None, tz: ZoneInfo) -> str:
    """An entry's UTC timestamp as the site's wall-clock time, 'YYYY-MM-DD HH:MM:SS'."""
    if not ts:
        return ""
    try:
        dt = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        return ts
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def parse_filters(args, tz: ZoneInfo) -> ConsoleQuery:
    """Build a query from request arguments; empty values mean no filter."""
    raw = {k: (args.get(k) or "").strip() or None for k in FILTERS}
    q = ConsoleQuery()
    for key in ("since", "until"):
        if raw[key]:
            try:
                setattr(q, key, to_utc(raw[key], tz))
            except ValueError:
                raise FilterError(key, "use a date and time like 2026-11-25 08:00", "datetime") from None
    if raw["direction"] and raw["direction"] not in DIRECTIONS:
        raise FilterError("direction", f"one of {', '.join(DIRECTIONS)}", "choice")
    if raw["decision"] and raw["decision"] not in DECISIONS:
        raise FilterError("decision", f"one of {', '.join(DECISIONS)}", "choice")
    if raw["screening"] and raw["screening"] not in MODES:
        raise FilterError("screening", f"one of {', '.join(MODES)}", "choice")
    if raw["reason"] and not _REASON.match(raw["reason"]):
        raise FilterError("reason", "a reason code such as fever", "choice")
    for key in ("gate", "pass_id"):
        if raw[key] and not _TOKEN.match(raw[key]):
            raise FilterError(key, "letters, digits, '-' or '_'", "token")
    q.gate, q.direction, q.decision = raw["gate"], raw["direction"], raw["decision"]
    q.reason, q.household, q.pass_id = raw["reason"], raw["household"], raw["pass_id"]
    q.screening = raw["screening"]
    return q


def filter_values(args) -> dict[str, str]:
    """The filters as typed, to refill the form and build links."""
    return {k: (args.get(k) or "").strip() for k in FILTERS if (args.get(k) or "").strip()}


# Filters whose values are codes the catalogue words (decision.deny, reason.fever, ...).
WORDED = {"direction": "direction.", "decision": "decision.", "reason": "reason.", "screening": "screening."}


def describe_filters(filters: dict[str, str]) -> list[dict[str, Any]]:
    """Each filter in use, with the catalogue key of its value's word (None: shown as
    typed) and the filters without it: what an empty result names, and how to widen it."""
    return [{"key": k, "value": v, "word": WORDED[k] + v if k in WORDED else None,
             "without": {o: w for o, w in filters.items() if o != k}} for k, v in filters.items()]
