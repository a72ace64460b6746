"""The signed registry envelope: what verifies, and what is refused."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync import registry_envelope as env

KEY = Ed25519PrivateKey.generate()
OTHER = Ed25519PrivateKey.generate()
TRUSTED = env.public_keys({"server-1": env.public_key_text(KEY)})
REG = {"known_codes": {"RES-1": {"household": "1-1-101"}}, "quarantined": ["3-2-501"]}


def signed(**over) -> dict:
    e = env.sign(REG, site="s1", version=3, key=KEY, key_id="server-1")
    e.update(over)
    return e


def test_a_signed_registry_verifies_and_round_trips():
    v = env.verify(env.encode(signed()), TRUSTED, site="s1")
    assert (v.site, v.version, v.key_id, v.registry) == ("s1", 3, "server-1", REG)


def resign(e: dict, key) -> dict:
    e = dict(e)
    e["sig"] = base64.b64encode(key.sign(env.canonical(e))).decode()
    return e


@pytest.mark.parametrize("make, words", [
    (lambda: {k: v for k, v in signed().items() if k != "sig"}, "not signed"),
    (lambda: signed(version=4), "does not verify"),
    (lambda: signed(registry={**REG, "quarantined": []}), "does not verify"),
    (lambda: signed(sig="!!!"), "does not verify"),
    (lambda: signed(sig=base64.b64encode(b"x" * 64).decode()), "does not verify"),
    (lambda: resign(signed(), OTHER), "does not verify"),
    (lambda: resign(signed(key_id="rogue"), OTHER), "unknown key"),
    (lambda: signed(v=2), "not a version 1"),
    (lambda: signed(version=-1), "non-negative"),
    (lambda: signed(version="3"), "non-negative"),
    (lambda: signed(registry=[1]), "must be an object"),
    (lambda: env.sign(REG, site="s2", version=3, key=KEY, key_id="server-1"), "for site 's2'"),
])
def test_what_does_not_verify(make, words):
    with pytest.raises(env.EnvelopeError, match=words):
        env.verify(json.dumps(make()).encode(), TRUSTED, site="s1")


@pytest.mark.parametrize("payload", [b"", b"{", b"[]", b"null", b"\xff"])
def test_garbage_is_refused(payload):
    with pytest.raises(env.EnvelopeError):
        env.verify(payload, TRUSTED)


def test_keys_are_created_once_private_and_reloaded(tmp_path):
    path = tmp_path / "k" / "registry-key.pem"
    k1 = env.load_or_create_key(path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert env.public_key_text(env.load_or_create_key(path)) == env.public_key_text(k1)


def test_a_bad_public_key_text_is_reported():
    with pytest.raises(env.EnvelopeError, match="'k1'"):
        env.public_keys({"k1": "not base64!"})
