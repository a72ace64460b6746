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

The signature is Ed25519 over ``b"CP1" || payload``; no person is named anywhere.
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
ROLES = ("resident", "staff", "visitor")
SIGNATURE_LEN = 64
PASS_ID_LEN = 8
_DOMAIN = b"CP1"
_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,16}$")
_HOUSEHOLD = re.compile(r"^[0-9A-Za-z]{1,8}-[0-9A-Za-z]{1,8}-[0-9A-Za-z]{1,8}$")
_SITE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# The longest text a pass may be: QR version 7-M holds 178 alphanumeric characters.
MAX_TEXT_LEN = 178


class PassFormatError(ValueError):
    """The text is not a well-formed pass; ``reason`` is a reason code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True)
class PassPayload:
    key_id: str
    role: str
    not_before: int
    expires: int
    pass_id: str            # 16 hex digits
    site: str
    household: str

    def encode(self) -> bytes:
        check_payload(self)
        kid, site, hh = self.key_id.encode(), self.site.encode(), self.household.encode()
        return b"".join((
            struct.pack(">BB", FORMAT_VERSION, len(kid)), kid,
            struct.pack(">BII", ROLES.index(self.role), self.not_before, self.expires),
            bytes.fromhex(self.pass_id),
            struct.pack(">B", len(site)), site,
            struct.pack(">B", len(hh)), hh,
        ))


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


def sign(payload: PassPayload, key: Ed25519PrivateKey) -> str:
    body = payload.encode()
    sig = key.sign(_DOMAIN + body)
    text = PREFIX + base45.b45encode(body + sig).decode("ascii")
    if len(text) > MAX_TEXT_LEN:
        raise ValueError(f"pass would be {len(text)} characters, more than QR version 7-M holds: "
                         "shorten the site, household or key id")
    return text


def looks_like_pass(text: str) -> bool:
    return text.startswith(PREFIX)


def parse(text: str) -> SignedPass:
    """Decode a pass's text without checking its signature. Pure; raises PassFormatError."""
    if not text.startswith(PREFIX):
        raise PassFormatError("not_a_pass", "no CP1: prefix")
    if len(text) > MAX_TEXT_LEN:
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
    if version != FORMAT_VERSION:
        raise ValueError(f"format version {version}")
    kid = take(take(1)[0]).decode("ascii")
    role_i, nbf, exp = struct.unpack(">BII", take(9))
    if role_i >= len(ROLES):
        raise ValueError(f"role {role_i}")
    pass_id = take(PASS_ID_LEN).hex()
    site = take(take(1)[0]).decode("utf-8")
    household = take(take(1)[0]).decode("utf-8")
    if pos != len(body):
        raise ValueError("trailing bytes")
    payload = PassPayload(kid, ROLES[role_i], nbf, exp, pass_id, site, household)
    check_payload(payload)
    return payload


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
