"""Today's counts and waiting cases, recomputed once per new journal entry and shared by
every open screen."""

from __future__ import annotations

import threading
from datetime import date

from kiosk import daybook
from kiosk.web import backend


class DaySummary:
    def __init__(self, rt) -> None:
        self.rt = rt
        self._key: tuple | None = None
        self._value: dict = {}
        self._lock = threading.Lock()

    def get(self) -> dict:
        key = (self.rt.journal.last_seq(), date.today())
        with self._lock:
            if key != self._key:
                entries = backend.today_entries(self.rt)
                self._value = {"today": daybook.counts(entries), "queue": daybook.waiting(entries)}
                self._key = key
            return self._value
