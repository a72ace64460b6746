"""Access cards in the registry: the contract between the console that binds cards to
households and the kiosks that read them.

The registry names no card number. Each card is published under an HMAC-SHA256 of its
canonical form (sync/cardnumbers.py) keyed with the site's card key, which travels in the
same signed registry (``card_key``), under each of its forms a narrower reader types
(its last 8 and 6 hex digits), so a kiosk hashes what its reader typed and looks it up.

Why a keyed hash and not the number: it keeps card numbers out of files, logs and
screens at a glance, and the hashes of one site say nothing at another. It does not
make them secret from whoever holds a registry: a card number has 24 to 40 bits, and
with the key at hand every number can be tried in seconds to hours. The entries that
leave a kiosk carry only the kiosk's own keyed hash and a masked form (****6C3A).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from sync.cardnumbers import tails


def new_card_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def digest(card_key: str, canonical: str) -> str:
    return keyed_digest(card_key, "card:", canonical)


def keyed_digest(key_b64: str, domain: str, text: str) -> str:
    """HMAC-SHA256 of ``domain + text`` under a base64 site key: how the registry names a
    card (``card:``) or, where a site opts in, a resident's ID number (``id:``)."""
    return hmac.new(base64.b64decode(key_b64), (domain + text).encode("ascii"), hashlib.sha256).hexdigest()


def forms(card_key: str, canonical: str) -> dict[str, str]:
    """The card's digest under each form a reader may type it in: width -> digest. The
    console keeps these, never the number."""
    return {str(len(tail)): digest(card_key, tail) for tail in tails(canonical)}


def registry_cards(cards) -> dict[str, dict]:
    """The registry's ``cards``: digest -> {household, role, name?, revoked?} for every
    form of every card. ``cards`` holds dicts with ``forms`` (from ``forms``),
    ``household``, and optionally ``role``, ``name_masked`` and ``revoked``. A shorter
    form two cards share is left out, so a narrow reader refers either card to a
    volunteer instead of guessing; a card's own full form always stands."""
    by_digest: dict[str, list[tuple[bool, dict]]] = {}
    for card in cards:
        full = max(card["forms"], key=int)
        for width, d in card["forms"].items():
            by_digest.setdefault(d, []).append((width == full, card))
    out = {}
    for d, holders in by_digest.items():
        exact = [c for is_full, c in holders if is_full]
        if len(holders) > 1 and not exact:
            continue
        c = (exact or [holders[0][1]])[0]
        entry = {"household": c["household"], "role": c.get("role") or "resident"}
        if c.get("name_masked"):
            entry["name"] = c["name_masked"]
        if c.get("revoked"):
            entry["revoked"] = True
        out[d] = entry
    return out
