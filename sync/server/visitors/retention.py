"""Declarations are deleted ``retention_days`` after they were made, invitations that
long after they ran out; each purge that deleted something is written to the console's
audit log. Entries keep their pass id."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)
DAY_S = 86400.0


def purge(declarations, audit, retention_days: int, now: float | None = None, invitations=None) -> int:
    """``audit(actor, action, detail)`` is the console store's audit. Returns the
    declarations deleted."""
    removed = declarations.purge(retention_days * DAY_S, now)
    expired = invitations.purge(retention_days * DAY_S, now) if invitations is not None else 0
    if removed or expired:
        audit("system", "visitor_declarations_purged", {"removed": removed, "invitations_removed": expired,
                                                         "retention_days": retention_days})
        log.info("visitor declarations: %d older than %d days deleted (and %d old invitations)", removed,
                 retention_days, expired)
    return removed


class Purger:
    """Purges at start and then every ``every_s`` on a thread of its own."""

    def __init__(self, declarations, audit, retention_days: int, every_s: float = 3600.0, invitations=None) -> None:
        self._args = (declarations, audit, retention_days)
        self._invitations = invitations
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="visitor-purge", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)

    def _run(self) -> None:
        while True:
            try:
                purge(*self._args, invitations=self._invitations)
            except Exception:  # noqa: BLE001 - a failed purge is retried next time, the server goes on
                log.exception("visitor declarations: purge failed")
            if self._stop.wait(self.every_s):
                return
