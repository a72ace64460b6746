"""The signed envelope around a registry the server pushes to its kiosks.

    {"v": 1, "site": "s1", "version": 7, "issued_at": "2026-11-25T06:00:00.000Z",
     "key_id": "server-1", "registry": {...}, "sig": "<base64 Ed25519 signature>"}

The signature covers the canonical JSON (sorted keys, compact, UTF-8) of everything
but ``sig``. Kiosks hold only public keys, by key id, so the server's key can rotate.
What is inside ``registry`` is the policy's business; this module only guarantees
that it came, unaltered, from a holder of a trusted key, for this site and version.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sync import signingkey
from sync.entry import utc_now_iso

VERSION = 1
MAX_ENVELOPE_BYTES = 8 * 1024 * 1024


class EnvelopeError(ValueError):
    """An envelope that must not be applied; the message says why."""


@dataclass(frozen=True)
class Verified:
    site: str
    version: int
    key_id: str
    issued_at: str
    registry: dict[str, Any]
    envelope: dict[str, Any]


def canonical(body: dict[str, Any]) -> bytes:
    return json.dumps({k: v for k, v in body.items() if k != "sig"}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(registry: dict[str, Any], *, site: str, version: int, key: Ed25519PrivateKey, key_id: str,
         issued_at: str | None = None) -> dict[str, Any]:
    body = {"v": VERSION, "site": site, "version": int(version), "issued_at": issued_at or utc_now_iso(),
            "key_id": key_id, "registry": registry}
    body["sig"] = base64.b64encode(key.sign(canonical(body))).decode("ascii")
    return body


def encode(envelope: dict[str, Any]) -> bytes:
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def verify(payload: bytes | str | dict[str, Any], trusted: dict[str, Ed25519PublicKey], *,
           site: str | None = None) -> Verified:
    """Check an envelope against the trusted keys (and, when given, the kiosk's site)."""
    if isinstance(payload, dict):
        env = payload
    else:
        if len(payload) > MAX_ENVELOPE_BYTES:
            raise EnvelopeError(f"registry of {len(payload)} bytes is over the limit")
        try:
            env = json.loads(payload)
        except (ValueError, RecursionError):
            raise EnvelopeError("registry is not JSON") from None
    if not isinstance(env, dict) or env.get("v") != VERSION:
        raise EnvelopeError("not a version 1 registry envelope")
    if "sig" not in env:
        raise EnvelopeError("registry is not signed")
    version = env.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise EnvelopeError(f"registry version must be a non-negative integer, got {version!r}")
    if not isinstance(env.get("registry"), dict):
        raise EnvelopeError("registry body must be an object")
    key = trusted.get(env.get("key_id"))  # type: ignore[arg-type]
    if key is None:
        raise EnvelopeError(f"registry signed by unknown key {env.get('key_id')!r}")
    try:
        sig = base64.b64decode(env["sig"], validate=True)
        key.verify(sig, canonical(env))
    except (InvalidSignature, binascii.Error, TypeError, ValueError):
        raise EnvelopeError("registry signature does not verify") from None
    if site is not None and env.get("site") != site:
        raise EnvelopeError(f"registry is for site {env.get('site')!r}, not {site!r}")
    return Verified(env.get("site"), version, env["key_id"], str(env.get("issued_at")), env["registry"], env)


# -- keys ---------------------------------------------------------------------------------

def load_or_create_key(path: str | Path) -> Ed25519PrivateKey:
    """The server's registry signing key, created on first use."""
    try:
        return signingkey.load_or_create_key(path)
    except signingkey.KeyFileError as exc:
        raise EnvelopeError(str(exc)) from None


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The form a kiosk's config holds: base64 of the 32 raw public key bytes."""
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return base64.b64encode(pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def public_keys(texts: dict[str, str]) -> dict[str, Ed25519PublicKey]:
    out = {}
    for key_id, text in texts.items():
        try:
            out[key_id] = Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError):
            raise EnvelopeError(f"registry key {key_id!r} is not a base64 Ed25519 public key") from None
    return out

