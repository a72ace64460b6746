"""PUT /api/registry/{site}: a registry that would leave every kiosk without a pass key
(none at all, or none of those it has now) is refused with words unless forced."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.registry_envelope import public_key_text
from tests.sync.server.consolekit import ADMIN, login


@pytest.fixture
def admin_api(console_app, console, published):
    console_app.config["REGISTRY_PUBLISHER"] = SimpleNamespace(
        publish=lambda site, registry, actor: {**published(site, registry, actor=actor), "issued_at": "now"})
    login(console, *ADMIN)
    return console


def _key() -> str:
    return public_key_text(Ed25519PrivateKey.generate())


def test_a_registry_without_keys_is_refused_unless_forced(admin_api, published):
    r = admin_api.put("/api/registry/demo-site", json={"registry": {"quarantined": ["1-1-101"]}})
    assert r.status_code == 409 and published == []
    assert "no trusted_keys" in r.get_json()["error"] and "force" in r.get_json()["error"]
    assert admin_api.put("/api/registry/demo-site?force=1", json={"registry": {}}).status_code == 200
    assert admin_api.put("/api/registry/demo-site", json={"registry": {}, "force": True}).status_code == 200
    assert len(published) == 2


def test_dropping_every_key_at_once_is_refused_unless_forced(admin_api, published):
    old, new = _key(), _key()
    assert admin_api.put("/api/registry/demo-site", json={"registry": {"trusted_keys": {"k1": old}}}).status_code == 200
    r = admin_api.put("/api/registry/demo-site", json={"registry": {"trusted_keys": {"k2": new}}})
    assert r.status_code == 409 and "drops every trusted key at once (k1)" in r.get_json()["error"]
    # A rotation keeps the old key beside the new one for a while: that is accepted.
    both = {"trusted_keys": {"k1": old, "k2": new}}
    assert admin_api.put("/api/registry/demo-site", json={"registry": both}).status_code == 200
    assert admin_api.put("/api/registry/demo-site", json={"registry": {"trusted_keys": {"k2": new}}}).status_code == 200
    assert len(published) == 3
