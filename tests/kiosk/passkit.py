"""Keys, passes and registries for the policy tests, made the way the server makes them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.passes import PassPayload, public_key_b64, sign
from kiosk.registry import Registry

NOW = datetime(2026, 3, 2, 4, 0, tzinfo=timezone.utc)      # 12:00 in Shanghai
SITE = "demo-site"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
SECRET = b"k" * 32


def payload(**kw) -> PassPayload:
    base = dict(key_id="k1", role="resident", not_before=int((NOW - timedelta(days=1)).timestamp()),
                expires=int((NOW + timedelta(days=30)).timestamp()), pass_id="00112233aabbccdd",
                site=SITE, household="3-2-501")
    base.update(kw)
    return PassPayload(**base)


def make_pass(key: Ed25519PrivateKey = KEY, **kw) -> str:
    return sign(payload(**kw), key)


def registry(**kw) -> Registry:
    base = {"version": 5, "site": SITE, "trusted_keys": {"k1": public_key_b64(KEY)}}
    base.update(kw)
    return Registry.from_dict(base)
