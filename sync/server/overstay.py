"""Overstay alerts: a visitor admitted in and not seen out by the end of their pass.

The kiosk writes the pass's end into the entry (``credential.valid_until``, ISO 8601
UTC). Once a minute this watch looks at the admitted ``in`` entries of the last days that
are still their pass's latest entry; a visitor's whose end (plus a grace) has passed is
recorded once in ``overstays``, keyed by that ``in`` entry, so the alerts page lists and
acknowledges it like a fever. A later ``out`` of the pass stops new ones; one already
raised stays until staff acknowledge it.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timedelta, timezone

from sync.server.background import BackgroundTask

log = logging.getLogger(__name__)

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS overstays (
        site TEXT NOT NULL, gate TEXT NOT NULL, seq BIGINT NOT NULL, pass_id TEXT NOT NULL,
        valid_until TEXT NOT NULL, raised_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (site, gate, seq))""",
]
REASON = "overstay"
CHECK_EVERY_S = 60.0
# Entries older than this are not looked at again: a visitor's pass lasts a day or a few.
LOOKBACK = timedelta(days=7)


def ensure_schema(storage) -> None:
    with storage._write() as cur:
        for stmt in SCHEMA:
            cur.execute(stmt)


def _ends(entry: dict) -> datetime | None:
    """A visitor pass's end from an entry; None for anyone else or an older entry."""
    cred = entry.get("credential")
    if not isinstance(cred, dict) or cred.get("role") != "visitor" or not isinstance(cred.get("valid_until"), str):
        return None
    try:
        end = datetime.fromisoformat(cred["valid_until"].replace("Z", "+00:00"))
    except ValueError:
        return None
    return end if end.tzinfo else None


class OverstayWatch(BackgroundTask):
    thread_name = "overstay"

    def __init__(self, storage, grace_minutes: float, on_new=None) -> None:
        """``on_new(site, gate, entry)`` hears of each overstay once (the chat push)."""
        self.storage, self.grace, self.on_new = storage, timedelta(minutes=grace_minutes), on_new
        ensure_schema(storage)
        super().__init__()

    def check(self, now: datetime | None = None) -> int:
        """Record the overstays due at ``now``; returns how many are new."""
        now = now or datetime.now(timezone.utc)
        since = (now - LOOKBACK).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
        # The pass index answers "is there a later entry of this pass" per candidate.
        sql = ("SELECT e.site, e.gate, e.seq, e.pass_id, e.body FROM entries e "
               "WHERE e.ts >= ? AND e.direction = 'in' AND e.decision = 'admit' AND e.pass_id IS NOT NULL "
               "AND NOT EXISTS (SELECT 1 FROM entries l WHERE l.pass_id = e.pass_id AND l.ts > e.ts) "
               "AND NOT EXISTS (SELECT 1 FROM overstays o WHERE o.site = e.site AND o.gate = e.gate "
               "AND o.seq = e.seq)")
        with self.storage._read() as cur:
            cur.execute(self.storage._sql(sql), (since,))
            rows = cur.fetchall()
        due = []
        for site, gate, seq, pass_id, body in rows:
            entry = json.loads(body)
            end = _ends(entry)
            if end is not None and end + self.grace <= now:
                due.append(((site, gate, seq, pass_id, end.astimezone(timezone.utc).isoformat(), time.time()), entry))
        raised = []
        with self.storage._write() as cur:
            for row, entry in due:
                cur.execute(self.storage._sql(
                    "INSERT INTO overstays (site, gate, seq, pass_id, valid_until, raised_at) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (site, gate, seq) DO NOTHING"), row)
                if cur.rowcount:
                    raised.append((row[0], row[1], entry))
        if raised:
            log.warning("%d visitor(s) not seen out after their pass ended", len(raised))
        for site, gate, entry in raised if self.on_new else ():
            self.on_new(site, gate, entry)
        return len(raised)

    def _run(self) -> None:
        while not self._stop.wait(CHECK_EVERY_S):
            try:
                self.check()
            except Exception:   # a database hiccup must not end the watch
                log.exception("overstay check failed")
