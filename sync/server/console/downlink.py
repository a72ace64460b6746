"""What the console contributes to the registry the kiosks download: revoked passes and
home quarantines. Each change the office makes is published at once; the kiosks hold
the retained registry and apply it within seconds."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

log = logging.getLogger(__name__)


class PublishError(RuntimeError):
    pass


def registry_content(store, today: date | None = None) -> dict[str, Any]:
    """Revoked pass ids and the quarantines still in force (kiosks check the dates)."""
    today_s = (today or date.today()).isoformat()
    quarantine = []
    for q in store.quarantines(current_only=True):
        if q["end_date"] < today_s:
            continue
        span = {"from": q["start_date"], "to": q["end_date"]}
        if q["household"]:
            quarantine.append({"household": q["household"], **span})
        elif q["resident_id"]:
            # A person is known to the kiosks only by their passes.
            for p in store.passes(household=q["resident_household"]):
                if p["resident_id"] == q["resident_id"] and p["revoked_at"] is None:
                    quarantine.append({"pass_id": p["pass_id"], **span})
    return {"revoked": store.revoked_pass_ids(), "quarantine": quarantine}


def publish(con, reason: str) -> None:
    if con.publish_registry is None:
        raise PublishError("this server has no registry publisher configured")
    content = registry_content(con.store)
    con.publish_registry(content)
    log.info("registry published (%s): %d revoked, %d quarantined", reason, len(content["revoked"]),
             len(content["quarantine"]))
