"""What a scanned or typed code is, and whether it holds: signature, dates, registry.

``parse`` tells the kind of a code (pure, never raises); ``assess`` checks it against
the registry and the clock and returns everything the policy and the journal need.
The entry's ``credential`` record never holds an ID number or a plain code in clear:
a pass is named by its pass id, anything else by a keyed hash and a masked form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from drivers.reader import CARD, IDCARD
from kiosk import visitors
from kiosk.registry import Quarantine, Registry
from sync import cardnumbers, divisions, idnumber, passes
from sync.idnumber import IdNumber, IdNumberError
from sync.passes import PassFormatError, SignedPass, VisitorClaims, mask_name

MAX_TEXT = 4096         # longer than any code we accept; the rest is never looked at


@dataclass(frozen=True)
class Credential:
    kind: str                           # "pass" | "day_pass" | "id_number" | "card" | "code" | "malformed"
    code_type: str = "QRCODE"
    signed: SignedPass | None = None
    day_pass: visitors.DayPass | None = None
    id_number: IdNumber | None = None
    text: str | None = None             # a plain code's text or a card's canonical number; never journaled
    error: str | None = None            # reason code when malformed
    detail: str | None = None


@dataclass(frozen=True)
class Assessment:
    """A credential checked against the registry and the clock."""

    credential: Credential
    record: dict                        # what the journal entry's ``credential`` holds
    problems: tuple[str, ...] = ()      # reason codes the credential alone gives
    role: str | None = None
    household: str | None = None
    subject: str | None = None          # stable name of the holder, for anti-passback
    signature: str | None = None        # "ok" | "bad" | "unknown_key"
    dates: str | None = None            # "ok" | "expired" | "not_yet_valid"
    registry: str | None = None         # "ok" | "known" | "unknown" | "revoked"
    quarantine: Quarantine | None = None
    visitor: visitors.VisitorAnswers | None = None
    claims: VisitorClaims | None = None  # a self-registered visitor's declaration, from the pass
    extra: dict = field(default_factory=dict)

    def visitor_record(self) -> dict | None:
        """What the journal entry's ``visitor`` holds."""
        if self.visitor is not None:
            return self.visitor.model_dump(exclude_none=True)
        if self.claims is None:
            return None
        # The origin in words, so the volunteer's queue reads it without a lookup.
        return {**self.claims.as_record(), "origin_name": divisions.describe(self.claims.origin)}

    def as_json(self) -> dict:
        return {
            "kind": self.credential.kind, "signature": self.signature, "dates": self.dates,
            "registry": self.registry, "problems": list(self.problems), "credential": self.record,
            "quarantine": self.quarantine.model_dump(mode="json", by_alias=True) if self.quarantine else None,
            "detail": self.credential.detail,
        }


def parse(text: str, code_type: str = "QRCODE") -> Credential:
    if not isinstance(text, str) or not text.strip():
        return Credential("malformed", code_type, error="empty_code", detail="empty")
    if len(text) > MAX_TEXT:
        return Credential("malformed", code_type, error="malformed_code", detail="too long")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:      # lone surrogates: bytes that were never text
        return Credential("malformed", code_type, error="malformed_code", detail="not valid text")
    if code_type == IDCARD:
        # An ID card reader's number: an ID number or nothing, never a pass or a plain code.
        try:
            return Credential("id_number", code_type, id_number=idnumber.parse(text))
        except IdNumberError as exc:
            return Credential("malformed", code_type, error="invalid_id_number", detail=str(exc))
    if code_type == CARD:
        # A card reader's text, already in canonical form (sync/cardnumbers.py): never a pass.
        return Credential("card", code_type, text=text.strip().upper())
    if passes.looks_like_pass(text):
        try:
            return Credential("pass", code_type, signed=passes.parse(text))
        except PassFormatError as exc:
            return Credential("malformed", code_type, error=exc.reason, detail=str(exc))
    if text.startswith(visitors.PREFIX):
        # The tag is checked in assess(), which holds the kiosk secret.
        return Credential("day_pass", code_type, text=text)
    if idnumber.looks_like_id_number(text):
        try:
            return Credential("id_number", code_type, id_number=idnumber.parse(text))
        except IdNumberError as exc:
            return Credential("malformed", code_type, error="invalid_id_number", detail=str(exc))
    return Credential("code", code_type, text=text)


def mask_code(text: str) -> str:
    if len(text) <= 4:
        return "*" * len(text)
    return text[:2] + "*" * min(len(text) - 4, 8) + text[-2:]


def assess(cred: Credential, registry: Registry, now: datetime, secret: bytes, *, site: str | None = None,
           book: visitors.VisitorBook | None = None, asked: tuple[str, ...] | None = None) -> Assessment:
    """``asked``: the questions a visitor registering at this gate answers now (the
    gatekeeper's declaration); by default the registry's for the site's mode."""
    if cred.kind == "pass":
        return _assess_pass(cred, registry, now, site, book, asked)
    if cred.kind == "day_pass":
        return _assess_day_pass(cred, now, secret, book)
    if cred.kind == "id_number":
        n = cred.id_number
        rec = {"kind": "id_number", "hash": n.keyed_hash(secret), "masked": n.masked}
        return _known_holder(cred, rec, registry.id_holder(n.number), ("id_number_unverified",), registry, now)
    if cred.kind == "card":
        return _assess_card(cred, registry, now, secret)
    if cred.kind == "code":
        digest = idnumber.keyed_hash(secret, "code:" + cred.text)
        rec = {"kind": "code", "code_type": cred.code_type, "hash": digest, "masked": mask_code(cred.text)}
        known = registry.lookup(cred.text)
        if known is None:
            return Assessment(cred, rec, ("unknown_code",), subject=digest, registry="unknown")
        rec.update(household=known.household, role=known.role)
        if known.name:
            rec["name_masked"] = mask_name(known.name)
        q = registry.quarantined(registry.rules.local(now).date(), household=known.household, code=cred.text)
        return Assessment(cred, rec, (), role=known.role, household=known.household, subject=digest,
                          registry="known", quarantine=q)
    return Assessment(cred, {"kind": "malformed", "code_type": cred.code_type}, (cred.error or "malformed_code",))


def _assess_pass(cred: Credential, registry: Registry, now: datetime, site: str | None,
                 book: visitors.VisitorBook | None, asked: tuple[str, ...] | None = None) -> Assessment:
    p = cred.signed.payload
    rec = {"kind": "pass", "pass_id": p.pass_id, "key_id": p.key_id, "household": p.household, "role": p.role}
    key = registry.public_key(p.key_id)
    if key is None:
        # Nothing else in an unverifiable payload may be believed.
        return Assessment(cred, rec, ("unknown_key",), signature="unknown_key", subject=p.pass_id)
    if not passes.signature_ok(cred.signed, key):
        return Assessment(cred, rec, ("bad_signature",), signature="bad", subject=p.pass_id)
    # Named only once the signature holds: a forged pass must not borrow a resident's name.
    if registry.holders.get(p.pass_id):
        rec["name_masked"] = mask_name(registry.holders[p.pass_id])
    rec["valid_until"] = valid_until_iso(p.expires)
    problems = []
    ts = now.timestamp()
    dates = "ok"
    if ts < p.not_before:
        dates = "not_yet_valid"
    elif ts >= p.expires:
        dates = "expired"
    if dates != "ok":
        problems.append(dates)
    status = "ok"
    if registry.is_revoked(p.pass_id):
        status = "revoked"
        problems.append("revoked")
    if site is not None and p.site != site:
        problems.append("wrong_site")
    if not p.in_window(registry.rules.local(now)):
        # A worker's weekly windows, in the site's time zone, checked offline like the dates.
        problems.append("outside_hours")
    # Quarantine dates are the site's calendar days: at 07:00 in Shanghai it is still
    # yesterday in UTC, and a quarantine that began today must already hold.
    q = registry.quarantined(registry.rules.local(now).date(), household=p.household, pass_id=p.pass_id)
    answers = None
    if p.visitor is not None:
        rec["name_masked"] = p.visitor.name_masked
        problems += _self_registered_problems(p.visitor, registry, asked)
    elif p.role == "visitor":
        answers = book.answers(p.pass_id, now) if book else None
        if answers is None and registry.rules.visitors_must_register:
            problems.append("visitor_unregistered")
        elif answers is not None and answers.declares_risk:
            problems.append("visitor_declared_risk")
    return Assessment(cred, rec, tuple(problems), role=p.role, household=p.household, subject=p.pass_id,
                      signature="ok", dates=dates, registry=status, quarantine=q, visitor=answers,
                      claims=p.visitor)


def _self_registered_problems(claims: VisitorClaims, registry: Registry, asked: tuple[str, ...] | None) -> list[str]:
    """A visitor who declared on their own phone: a declared risk is never admitted; a pass
    without an answer the gate asks now (made while screening was off, used once it is on)
    goes to the volunteer, who asks; the site's rule says whether a volunteer confirms the rest."""
    if claims.declares_risk:
        return ["visitor_declared_risk"]
    if asked is None:
        rules = registry.rules
        asked = rules.visitor_questions.questions(rules.screening.mode)
    if claims.unanswered(asked):
        return ["visitor_unscreened"]
    rule = registry.rules.invited_visitors if claims.invited else registry.rules.self_registered_visitors
    return [] if rule == "admit" else ["visitor_self_registered"]


def _assess_card(cred: Credential, registry: Registry, now: datetime, secret: bytes) -> Assessment:
    rec = {"kind": "card", "hash": idnumber.keyed_hash(secret, "card:" + cred.text), "masked": cardnumbers.mask(cred.text)}
    return _known_holder(cred, rec, registry.card(cred.text), ("unknown_card",), registry, now)


def _known_holder(cred: Credential, rec: dict, known, unknown: tuple[str, ...], registry: Registry,
                  now: datetime) -> Assessment:
    """A card or ID number the registry binds to a household, by keyed hash: then the
    household's checks, as for a pass; unknown, ``unknown``; revoked, denied."""
    subject = rec["hash"]
    if known is None:
        return Assessment(cred, rec, unknown, subject=subject, registry="unknown")
    rec.update(household=known.household, role=known.role)
    if known.name:
        rec["name_masked"] = mask_name(known.name)
    if known.revoked:
        return Assessment(cred, rec, ("revoked",), role=known.role, household=known.household, subject=subject,
                          registry="revoked")
    q = registry.quarantined(registry.rules.local(now).date(), household=known.household)
    return Assessment(cred, rec, (), role=known.role, household=known.household, subject=subject,
                      registry="known", quarantine=q)


def _assess_day_pass(cred: Credential, now: datetime, secret: bytes,
                     book: visitors.VisitorBook | None) -> Assessment:
    try:
        day = visitors.parse_day_pass(cred.text, secret)
    except visitors.VisitorError:
        return Assessment(cred, {"kind": "day_pass"}, ("bad_signature",), signature="bad")
    rec = {"kind": "day_pass", "pass_id": day.pass_id, "role": "visitor",
           "valid_until": valid_until_iso(day.valid_until)}
    if now.timestamp() > day.valid_until:
        return Assessment(cred, rec, ("expired",), role="visitor", subject=day.pass_id, signature="ok",
                          dates="expired")
    answers = book.answers(day.pass_id, now) if book else None
    problems = []
    if answers is None:
        problems.append("visitor_unregistered")
    elif answers.declares_risk:
        problems.append("visitor_declared_risk")
    return Assessment(cred, rec, tuple(problems), role="visitor", subject=day.pass_id, signature="ok",
                      dates="ok", registry="known" if answers else "unknown", visitor=answers)


def valid_until_iso(ts: int) -> str:
    """A pass's end in the entry record, so the server can tell a visitor who overstayed
    (sync/server/overstay.py) without the pass itself."""
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
