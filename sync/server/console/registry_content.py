"""The registry the kiosks download, as the console changes it.

A published registry replaces the whole one on every kiosk, so the console starts
from the site's latest published content (keeping what it does not manage: known ID
codes, rules, other trusted keys, revocations and quarantines published by other
means), adds the pass key the kiosks must trust and the masked names of its passes'
holders, and sets its own revoked passes and quarantines in force from its tables.
"""

from __future__ import annotations

import logging
import time
from datetime import date
from typing import Any

log = logging.getLogger(__name__)


class PublishError(RuntimeError):
    pass


def revoked_and_quarantined(store, today: date) -> dict[str, Any]:
    """Revoked pass ids and the quarantines not over by the site's `today` (kiosks check
    the dates)."""
    today_s = today.isoformat()
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


def holder_names(store, others: dict[str, str]) -> dict[str, str]:
    """Pass id -> the holder's masked name (张*), which the kiosk's screen shows, since a
    pass carries no name: every active pass the console issued, and the names published
    by other means for passes the console does not know."""
    from sync.passes import mask_name

    issued = store.passes()
    known = {p["pass_id"] for p in issued}
    names = {pid: name for pid, name in others.items() if pid not in known}
    now = time.time()
    names.update({p["pass_id"]: mask_name(p["name"]) for p in issued
                  if p["name"] and p["revoked_at"] is None and p["expires"] > now})
    return names


def cards_content(store) -> dict[str, Any]:
    """Every card the console bound, revoked ones too (a lost card is denied, not merely
    unknown), by their keyed digests; nothing when the console binds no cards."""
    from sync.cards import registry_cards
    from sync.passes import mask_name

    cards = store.cards()
    if not cards:
        return {}
    # The resident's name goes out masked (张*), for the verdict card; never in full.
    return {"card_key": store.card_key(), "cards": registry_cards(
        [{**c, "revoked": c["revoked_at"] is not None, "name_masked": mask_name(c.get("name"))} for c in cards])}


def published_rules(con) -> dict[str, Any]:
    """The site's rules as last published (empty before the first registry)."""
    latest = con.store.storage.latest_registry(con.site)
    rules = (latest or {}).get("registry", {}).get("rules")
    return dict(rules) if isinstance(rules, dict) else {}


def registry_content(con, rules: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, list]]:
    """The registry to publish, and the console's own part of its revoked and quarantine
    lists; ``rules`` replaces those of the site's rules it names (the screening mode)."""
    latest = con.store.storage.latest_registry(con.site)
    base = dict(latest["registry"]) if latest else {}
    if rules:
        base["rules"] = {**(base.get("rules") or {}), **rules}
    for key in ("version", "issued_at"):
        base.pop(key, None)   # the envelope carries them
    keys = dict(base.get("trusted_keys") or {})
    if con.pass_key is not None:
        keys.update(con.pass_key.registry_entry())
    ours = revoked_and_quarantined(con.store, con.today())
    # Revocations and quarantines published by other means stay; the console replaces
    # only what it put there itself, so a lift or an expiry takes effect.
    before = con.store.registry_owned()
    others_revoked = [p for p in base.get("revoked") or [] if p not in before["revoked"]]
    others_quarantine = [q for q in base.get("quarantine") or [] if q not in before["quarantine"]]
    content = {**base, **cards_content(con.store), "site": con.site, "trusted_keys": keys,
               "revoked": sorted({*others_revoked, *ours["revoked"]}),
               "quarantine": others_quarantine + [q for q in ours["quarantine"] if q not in others_quarantine],
               "holders": holder_names(con.store, dict(base.get("holders") or {}))}
    return content, ours


def publish(con, actor: str, reason: str, rules: dict[str, Any] | None = None) -> int | None:
    """Publish the registry now; returns its version, or None when it is kept but the
    broker has not confirmed it yet (the server re-sends it when the broker is back)."""
    from sync.server.registry_publisher import PublishError as SendError

    if con.publish is None:
        raise PublishError("this server has no registry publisher (no broker connection)")
    content, ours = registry_content(con, rules)
    try:
        envelope = con.publish(con.site, content, actor=actor)
    except SendError as exc:
        envelope = None
        log.warning("registry (%s) stored but not confirmed by the broker: %s", reason, exc)
    con.store.set_registry_owned(ours)
    if envelope is None:
        return None
    log.info("registry version %s published (%s): %d revoked, %d quarantined", envelope["version"], reason,
             len(content["revoked"]), len(content["quarantine"]))
    return envelope["version"]


def pass_key_published(con) -> bool:
    latest = con.store.storage.latest_registry(con.site)
    keys = (latest or {}).get("registry", {}).get("trusted_keys") or {}
    return con.pass_key is None or keys.get(con.pass_key.key_id) == con.pass_key.public_b64


def notify_published(version: int | None) -> None:
    """Tell the person who made the change whether the kiosks have it."""
    from flask import flash

    flash(("registry.published", {"version": version}) if version else ("registry.pending", {}))
