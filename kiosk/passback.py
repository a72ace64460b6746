"""Anti-passback: who is inside, as far as this kiosk's own journal tells.

A holder admitted ``in`` and not seen going ``out`` since is inside; the same pass
shown again to enter (a screenshot handed back over the fence) is a passback. Exits
through gates this kiosk does not see are unknown to it, so an entry older than the
window no longer counts.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Iterable


def subject_of(credential: dict | None) -> str | None:
    if not credential:
        return None
    return credential.get("pass_id") or credential.get("hash")


class PassbackTracker:
    def __init__(self, window: timedelta = timedelta(hours=12)) -> None:
        self.window = window
        self._inside: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def record(self, subject: str | None, direction: str, when: datetime) -> None:
        """Note an admitted passage."""
        if subject is None:
            return
        with self._lock:
            if direction == "in":
                self._inside[subject] = when
            else:
                self._inside.pop(subject, None)

    def inside(self, subject: str | None, now: datetime) -> bool:
        if subject is None:
            return False
        with self._lock:
            since = self._inside.get(subject)
            if since is not None and now - since > self.window:
                del self._inside[subject]
                return False
        return since is not None

    def replay(self, entries: Iterable[dict]) -> None:
        """Rebuild from journal entries, oldest first."""
        for e in entries:
            if e.get("decision") == "admit":
                try:
                    when = datetime.fromisoformat(e["ts"].replace("Z", "+00:00"))
                except (KeyError, ValueError, AttributeError):
                    continue
                self.record(subject_of(e.get("credential")), e.get("direction", "in"), when)
