"""The community pass: a signed QR payload, one format shared by the kiosk (which
verifies) and the community server (which signs, see sync/server/passes.py).

Text form: ``CP1:`` followed by base45 of ``payload || signature``. Base45 keeps the
text inside the QR alphanumeric alphabet, so a resident pass fits QR version 7 at
error-correction level M (the EU Digital COVID Certificate uses the same trick).

Payload (big-endian, version 1)::

    u8  format version (1)
    u8  key id length, then the key id (ASCII)
    u8  role (0 resident, 1 staff, 2 visitor)
    u32 not-before, u32 expiry (Unix seconds, UTC)
    8   pass id
    u8  site length, then the site (UTF-8)
    u8  household length, then the household "building-unit-room" (UTF-8)

A pass with weekly time windows (a ``worker`` pass: cleaners, contractors, deliveries,
meter readers) is format version 2, the same fields followed by::

    u8  number of windows (1-4), then per window:
    u8  days (bit 0 Monday ... bit 6 Sunday), u8 from, u8 to (quarter-hours of the
        site's local day, 0-96: 08:00-18:00 is 32-72)

Its end date is the expiry. The windows cost 1 + 3 bytes each (1.5 characters of the
text a byte): one window fits QR version 7-M beside a household like 12-3-1201 and an
8-character key id (177 characters); more fit beside shorter ones, and ``sign``
refuses what does not.

Version 3 is a self-registered visitor's pass (sync/server/visitors/): version 1's
fields, then what the gate needs offline from the visitor's own declaration::

    u8  flags: bit 0 contact with a confirmed case, bit 1 symptoms, bit 2 invited
    u24 where from: the GB/T 2260 division code (six digits)
    u8  masked name length, then the masked name (UTF-8, e.g. "张*")

Version 4 is a version 3 pass from a form that did not ask every question the pass
can carry (the site's questions follow its screening mode, sync/screening.py): its flags
also say which answers are there, and the division code is left out when not asked::

    u8  flags: bits 0-2 as version 3; bit 3 contact asked, bit 4 symptoms asked,
        bit 5 where-from asked
    u24 where from, only with bit 5
    u8  masked name length, then the masked name

A pass that carries every answer is still written as version 3, byte for byte; a kiosk
that knows only version 3 refuses a version 4 pass rather than reading "no" into a
question that was never asked.

The signature is Ed25519 over ``b"CP1" || payload``. Versions 1 and 2 name no one; a
version 3 pass only by a masked name, and the full declaration stays on the server.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

import base45
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PREFIX = "CP1:"
FORMAT_VERSION = 1
WINDOWS_VERSION = 2
VISITOR_FORMAT_VERSION = 3
VISITOR_ASKED_VERSION = 4
ROLES = ("resident", "staff", "visitor", "worker")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MAX_WINDOWS = 4
SIGNATURE_LEN = 64
PASS_ID_LEN = 8
_DOMAIN = b"CP1"
_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,16}$")
_HOUSEHOLD = re.compile(r"^[0-9A-Za-z]{1,8}-[0-9A-Za-z]{1,8}-[0-9A-Za-z]{1,8}$")
_SITE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# The longest text a pass may be: QR version 7-M holds 178 alphanumeric characters.
MAX_TEXT_LEN = 178
# A visitor's pass is shown on a phone screen, not printed small: version 8-M (213
# alphanumeric characters) still reads at arm's length (bench/visitor_bench.py).
VISITOR_MAX_TEXT_LEN = 213
_ORIGIN = re.compile(r"^[1-9]\d{5}$")
_FLAG_CONTACT, _FLAG_SYMPTOMS, _FLAG_INVITED = 1, 2, 4
_ASKED_CONTACT, _ASKED_SYMPTOMS, _ASKED_ORIGIN = 8, 16, 32
#: The questions (sync/screening.py's ids) whose answers a visitor's pass carries.
CARRIED_QUESTIONS = ("coming_from", "contact", "symptoms")


class PassFormatError(ValueError):
    """The text is not a well-formed pass; ``reason`` is a reason code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True)
class VisitorClaims:
    """What a self-registered visitor's pass tells the gate, with no network."""

    name_masked: str        # "张*"
    origin: str | None      # GB/T 2260 division code, six digits; None: not asked
    contact: bool | None    # None: not asked (screening was off)
    symptoms: bool | None
    invited: bool = False   # registered through a household's invitation link

    @property
    def declares_risk(self) -> bool:
        return bool(self.contact or self.symptoms)

    def unanswered(self, asked: tuple[str, ...]) -> tuple[str, ...]:
        """Those of the ``asked`` questions whose answer the pass would carry but does not."""
        have = {"coming_from": self.origin, "contact": self.contact, "symptoms": self.symptoms}
        return tuple(q for q in CARRIED_QUESTIONS if q in asked and have[q] is None)

    @property
    def format_version(self) -> int:
        complete = None not in (self.origin, self.contact, self.symptoms)
        return VISITOR_FORMAT_VERSION if complete else VISITOR_ASKED_VERSION

    def as_record(self) -> dict:
        """What the journal entry's ``visitor`` holds for such a pass."""
        return {"self_registered": True, "name_masked": self.name_masked, "origin": self.origin,
                "contact": self.contact, "symptoms": self.symptoms, "invited": self.invited}

    def encode(self) -> bytes:
        name = self.name_masked.encode()
        flags = (_FLAG_CONTACT * bool(self.contact)) | (_FLAG_SYMPTOMS * bool(self.symptoms)) | \
            (_FLAG_INVITED * self.invited)
        if self.format_version == VISITOR_ASKED_VERSION:
            flags |= (_ASKED_CONTACT * (self.contact is not None)) | (_ASKED_SYMPTOMS * (self.symptoms is not None)) \
                | (_ASKED_ORIGIN * (self.origin is not None))
        origin = b"" if self.origin is None else int(self.origin).to_bytes(3, "big")
        return struct.pack(">B", flags) + origin + struct.pack(">B", len(name)) + name


@dataclass(frozen=True)
class PassPayload:
    key_id: str
    role: str
    not_before: int
    expires: int
    pass_id: str            # 16 hex digits
    site: str
    household: str
    windows: tuple["Window", ...] = ()      # weekly times it may be used; empty: any time
    visitor: VisitorClaims | None = None    # a self-registered visitor's declaration

    def encode(self) -> bytes:
        check_payload(self)
        kid, site, hh = self.key_id.encode(), self.site.encode(), self.household.encode()
        version = WINDOWS_VERSION if self.windows else self.visitor.format_version if self.visitor else FORMAT_VERSION
        body = b"".join((
            struct.pack(">BB", version, len(kid)), kid,
            struct.pack(">BII", ROLES.index(self.role), self.not_before, self.expires),
            bytes.fromhex(self.pass_id),
            struct.pack(">B", len(site)), site,
            struct.pack(">B", len(hh)), hh,
        ))
        if self.windows:
            body += bytes([len(self.windows)]) + b"".join(bytes((w.days, w.start, w.end)) for w in self.windows)
        if self.visitor:
            body += self.visitor.encode()
        return body

    def in_window(self, local) -> bool:
        """Whether a site-local datetime falls in one of the pass's windows (True without any)."""
        if not self.windows:
            return True
        q = (local.hour * 60 + local.minute) // 15
        return any(w.days >> local.weekday() & 1 and w.start <= q < w.end for w in self.windows)


@dataclass(frozen=True)
class Window:
    """Days of the week (bit 0 Monday) and a span of quarter-hours, 0-96, of the site's day."""

    days: int
    start: int
    end: int

    def __str__(self) -> str:
        runs, day = [], 0
        while day < 7:
            if self.days >> day & 1:
                last = day
                while last + 1 < 7 and self.days >> (last + 1) & 1:
                    last += 1
                runs.append(DAYS[day] if last == day else f"{DAYS[day]}-{DAYS[last]}")
                day = last
            day += 1
        hhmm = lambda q: f"{q // 4:02d}:{q % 4 * 15:02d}"  # noqa: E731
        return f"{','.join(runs)} {hhmm(self.start)}-{hhmm(self.end)}"


_WINDOW = re.compile(r"^\s*([A-Za-z,\-]+)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_windows(text: str) -> tuple[Window, ...]:
    """``Mon-Fri 08:00-18:00; Sat 09:00-12:00`` -> windows. Raises ValueError saying
    what is wrong. Times are the site's local time, in quarter-hours."""
    out = []
    for part in filter(str.strip, text.split(";")):
        m = _WINDOW.match(part)
        if not m:
            raise ValueError(f"window {part.strip()!r}: write days and hours like 'Mon-Fri 08:00-18:00'")
        days = 0
        for run in m[1].split(","):
            ends = [d.strip().capitalize()[:3] for d in run.split("-")]
            if len(ends) > 2 or any(d not in DAYS for d in ends):
                raise ValueError(f"window {part.strip()!r}: days are {', '.join(DAYS)}")
            a, b = DAYS.index(ends[0]), DAYS.index(ends[-1])
            for d in range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)]:
                days |= 1 << d
        h1, m1, h2, m2 = (int(x) for x in m.group(2, 3, 4, 5))
        if m1 % 15 or m2 % 15 or h1 > 24 or h2 > 24 or m1 > 45 or m2 > 45:
            raise ValueError(f"window {part.strip()!r}: times are HH:MM on the quarter hour, 00:00-24:00")
        start, end = h1 * 4 + m1 // 15, h2 * 4 + m2 // 15
        if not 0 <= start < end <= 96:
            raise ValueError(f"window {part.strip()!r}: the end must be after the start, within one day")
        out.append(Window(days, start, end))
    if len(out) > MAX_WINDOWS:
        raise ValueError(f"at most {MAX_WINDOWS} windows fit in a pass")
    return tuple(out)


@dataclass(frozen=True)
class SignedPass:
    payload: PassPayload
    signed_bytes: bytes     # exactly what the signature covers
    signature: bytes


def check_payload(p: PassPayload) -> None:
    """Raise ValueError naming the field that cannot go into a pass."""
    if not _KEY_ID.match(p.key_id):
        raise ValueError(f"key id {p.key_id!r}: use 1-16 letters, digits, '.', '_' or '-'")
    if p.role not in ROLES:
        raise ValueError(f"role {p.role!r}: one of {', '.join(ROLES)}")
    if not re.fullmatch(r"[0-9a-f]{16}", p.pass_id):
        raise ValueError(f"pass id {p.pass_id!r}: 16 lowercase hex digits")
    if not _SITE.match(p.site):
        raise ValueError(f"site {p.site!r}: 1-64 letters, digits, '-' or '_'")
    if not _HOUSEHOLD.match(p.household):
        raise ValueError(f"household {p.household!r}: building-unit-room, e.g. 3-2-501")
    for name, value in (("not-before", p.not_before), ("expiry", p.expires)):
        if not 0 <= value < 2**32:
            raise ValueError(f"{name} {value}: outside 1970-2106")
    if p.expires <= p.not_before:
        raise ValueError("expiry must be after not-before")
    if len(p.windows) > MAX_WINDOWS:
        raise ValueError(f"at most {MAX_WINDOWS} windows fit in a pass")
    for w in p.windows:
        if not (0 < w.days < 128 and 0 <= w.start < w.end <= 96):
            raise ValueError(f"window {w!r}: days 1-127, quarter-hours 0-96 with the end after the start")
    if p.visitor is not None:
        _check_claims(p)


def _check_claims(p: PassPayload) -> None:
    v = p.visitor
    if p.role != "visitor" or p.windows:
        raise ValueError("only a visitor's pass, without windows, carries a visitor's declaration")
    if v.origin is not None and not _ORIGIN.match(v.origin):
        raise ValueError(f"origin {v.origin!r}: a six-digit GB/T 2260 division code")
    if not 1 <= len(v.name_masked) <= 4 or len(v.name_masked.encode()) > 16:
        raise ValueError(f"masked name {v.name_masked!r}: 1-4 characters")


def sign(payload: PassPayload, key: Ed25519PrivateKey) -> str:
    body = payload.encode()
    sig = key.sign(_DOMAIN + body)
    text = PREFIX + base45.b45encode(body + sig).decode("ascii")
    limit, version = (MAX_TEXT_LEN, 7) if payload.visitor is None else (VISITOR_MAX_TEXT_LEN, 8)
    if len(text) > limit:
        raise ValueError(f"pass would be {len(text)} characters, more than QR version {version}-M holds: "
                         "shorten the site, household or key id")
    return text


def looks_like_pass(text: str) -> bool:
    return text.startswith(PREFIX)


def parse(text: str) -> SignedPass:
    """Decode a pass's text without checking its signature. Pure; raises PassFormatError."""
    if not text.startswith(PREFIX):
        raise PassFormatError("not_a_pass", "no CP1: prefix")
    if len(text) > VISITOR_MAX_TEXT_LEN:
        raise PassFormatError("malformed_pass", f"{len(text)} characters, more than a pass holds")
    try:
        raw = base45.b45decode(text[len(PREFIX):])
    except (ValueError, TypeError, UnicodeError):
        raise PassFormatError("malformed_pass", "not valid base45") from None
    if len(raw) <= SIGNATURE_LEN:
        raise PassFormatError("malformed_pass", "too short")
    body, sig = raw[:-SIGNATURE_LEN], raw[-SIGNATURE_LEN:]
    try:
        payload = _decode_payload(body)
    except (struct.error, IndexError, UnicodeDecodeError, ValueError) as exc:
        raise PassFormatError("malformed_pass", f"bad payload: {exc}") from None
    return SignedPass(payload, body, sig)


def _decode_payload(body: bytes) -> PassPayload:
    pos = 0

    def take(n: int) -> bytes:
        nonlocal pos
        if pos + n > len(body):
            raise ValueError("truncated")
        chunk = body[pos:pos + n]
        pos += n
        return chunk

    version = take(1)[0]
    if version not in (FORMAT_VERSION, WINDOWS_VERSION, VISITOR_FORMAT_VERSION, VISITOR_ASKED_VERSION):
        raise ValueError(f"format version {version}")
    kid = take(take(1)[0]).decode("ascii")
    role_i, nbf, exp = struct.unpack(">BII", take(9))
    if role_i >= len(ROLES):
        raise ValueError(f"role {role_i}")
    pass_id = take(PASS_ID_LEN).hex()
    site = take(take(1)[0]).decode("utf-8")
    household = take(take(1)[0]).decode("utf-8")
    windows: tuple[Window, ...] = ()
    if version == WINDOWS_VERSION:
        count = take(1)[0]
        if not 1 <= count <= MAX_WINDOWS:
            raise ValueError(f"{count} windows")
        windows = tuple(Window(*take(3)) for _ in range(count))
    visitor = None
    if version in (VISITOR_FORMAT_VERSION, VISITOR_ASKED_VERSION):
        visitor = _decode_claims(take(1)[0], take, asked_flags=version == VISITOR_ASKED_VERSION)
    if pos != len(body):
        raise ValueError("trailing bytes")
    payload = PassPayload(kid, ROLES[role_i], nbf, exp, pass_id, site, household, windows, visitor)
    check_payload(payload)
    return payload


def _decode_claims(flags: int, take, asked_flags: bool) -> VisitorClaims:
    asked = flags if asked_flags else _ASKED_CONTACT | _ASKED_SYMPTOMS | _ASKED_ORIGIN
    if not asked_flags and flags & ~7 or asked_flags and flags & ~63:
        raise ValueError(f"visitor flags {flags:#x}")
    origin = str(int.from_bytes(take(3), "big")) if asked & _ASKED_ORIGIN else None
    answer = lambda bit, flag: bool(flags & bit) if asked & flag else None  # noqa: E731
    return VisitorClaims(take(take(1)[0]).decode("utf-8"), origin, answer(_FLAG_CONTACT, _ASKED_CONTACT),
                         answer(_FLAG_SYMPTOMS, _ASKED_SYMPTOMS), bool(flags & _FLAG_INVITED))


def mask_name(name: str | None) -> str | None:
    """张伟 -> 张*: enough for a volunteer to greet the person, not enough to identify them."""
    name = (name or "").strip()
    if not name:
        return None
    return name[0] + "*" * max(1, min(len(name) - 1, 3))


def signature_ok(p: SignedPass, public_key: Ed25519PublicKey) -> bool:
    try:
        public_key.verify(p.signature, _DOMAIN + p.signed_bytes)
    except InvalidSignature:
        return False
    return True


def load_public_key(raw_b64: str) -> Ed25519PublicKey:
    """A trusted key as the registry carries it: the 32 raw bytes, base64."""
    import base64

    return Ed25519PublicKey.from_public_bytes(base64.b64decode(raw_b64, validate=True))


def public_key_b64(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    import base64

    from cryptography.hazmat.primitives import serialization

    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return base64.b64encode(pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()
