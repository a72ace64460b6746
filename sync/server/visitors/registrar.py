"""A visitor's registration, from a checked declaration to a signed pass: rate limits,
the household check, the pass (valid for the rest of the site's day, or the invitation's
window) and the declaration stored under the pass id. No HTTP here, so the bench and the
tests drive the same code the page does."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, time as dtime, timedelta, timezone
from zoneinfo import ZoneInfo

from sync import idnumber
from sync.screening import from_rules
from sync.passes import PassPayload, VisitorClaims, mask_name, sign
from sync.server.visitors.config import VisitorsSection
from sync.server.visitors.questions import Declaration
from sync.server.visitors.ratelimit import RateLimit
from sync.server.visitors.store import DeclarationStore, InvitationStore

log = logging.getLogger(__name__)


class Refused(Exception):
    """``reason``: "rate_limited" (429) or "unknown_household" (the words never say which exist)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Window:
    """When a pass holds: an invitation's window, or the rest of the site's day."""

    not_before: int
    expires: int
    invitation: str | None = None
    household: str | None = None    # an invitation's, which the visitor cannot change


@dataclass(frozen=True)
class Issued:
    pass_id: str
    text: str
    household: str
    expires: int
    name_masked: str
    declares_risk: bool


class Registrar:
    def __init__(self, declarations: DeclarationStore, households, pass_key, settings: VisitorsSection, *,
                 site: str, timezone_name: str, id_key: bytes, invitations: InvitationStore | None = None,
                 rules=dict) -> None:
        """``rules()``: the site's rules as last published (the console's 防疫模式 sets them)."""
        self.declarations, self.households, self.pass_key = declarations, households, pass_key
        self.rules = rules
        self.invitations = invitations
        self.settings, self.site, self.tz, self.id_key = settings, site, ZoneInfo(timezone_name), id_key
        self.per_ip = RateLimit(settings.per_ip_per_hour)
        self.per_phone = RateLimit(settings.per_phone_per_hour)

    def asked(self) -> tuple[int, tuple[str, ...]]:
        """(version, questions) a visitor registering now answers: the site's question set
        for its screening mode, read at each request so a change applies at once."""
        screening, questions = from_rules(self.rules())
        return questions.version, questions.questions(screening.mode)

    def check_rate(self, ip: str) -> None:
        if not self.per_ip.allow(ip):
            log.warning("visitor registration refused: rate limit for address %s", ip)
            raise Refused("rate_limited")

    def register(self, d: Declaration, window: Window | None = None) -> Issued:
        """Sign and store; the caller has already counted the address (``check_rate``)."""
        if window is not None and window.household:
            d = dataclasses.replace(d, household=window.household)
        if not self.per_phone.allow(hmac.new(self.id_key, d.phone.encode(), hashlib.sha256).hexdigest()):
            log.warning("visitor registration refused: rate limit for one phone number")
            raise Refused("rate_limited")
        if self.households.household(d.household) is None:
            log.info("visitor registration refused: unknown household")
            raise Refused("unknown_household")
        window = window or self.today()
        claims = VisitorClaims(mask_name(d.name), d.origin, d.contact, d.symptoms,
                               invited=window.invitation is not None)
        payload = PassPayload(self.pass_key.key_id, "visitor", window.not_before, window.expires,
                              secrets.token_hex(8), self.site, d.household, visitor=claims)
        text = sign(payload, self.pass_key.key)
        ident = idnumber.IdNumber(d.id_number) if d.id_number else None
        self.declarations.add({
            "pass_id": payload.pass_id, "site": self.site, "household": d.household, "name": d.name,
            "phone": d.phone, "origin": d.origin, "heading_to": d.heading_to, "contact": d.contact,
            "symptoms": d.symptoms, "questions_version": d.questions_version,
            "id_hash": ident.keyed_hash(self.id_key) if ident else None,
            "id_masked": ident.masked if ident else None, "invitation": window.invitation, "pass_text": text,
            "not_before": window.not_before, "expires": window.expires, "created_at": time.time()})
        log.info("visitor registered: pass %s for %s%s", payload.pass_id, d.household,
                 " (declared risk)" if d.declares_risk else "")
        return Issued(payload.pass_id, text, d.household, window.expires, claims.name_masked, d.declares_risk)

    def invitation(self, token: str | None) -> Window | None:
        """The window and household an invitation link fixes, while it holds."""
        inv = self.invitations.valid(token) if token and self.invitations else None
        if inv is None:
            return None
        return Window(int(inv["not_before"]), int(inv["expires"]), token, inv["household"])

    def today(self, now: datetime | None = None) -> Window:
        local = (now or datetime.now(timezone.utc)).astimezone(self.tz)
        end = datetime.combine(local.date() + timedelta(days=1), dtime(0), self.tz)
        # A few minutes of grace back: a kiosk whose clock runs behind still accepts it.
        return Window(int(local.timestamp()) - 300, int(end.timestamp()) - 1)
