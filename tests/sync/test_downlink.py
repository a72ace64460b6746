"""The downlink on its own: it hands verified, newer registries to the kiosk's registry
store, the one place they are kept, and ignores whatever that store would not keep."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.registry import RegistryStore
from sync import registry_envelope as env
from sync.downlink import Downlink

KEY = Ed25519PrivateKey.generate()


def pushed(registry: dict, version: int, site: str = "s1") -> bytes:
    return env.encode(env.sign(registry, site=site, version=version, key=KEY, key_id="server-1"))


def downlink(store: RegistryStore) -> Downlink:
    return Downlink(site="s1", trusted_keys={"server-1": env.public_key_text(KEY)}, sink=store)


def test_a_registry_the_store_refuses_is_ignored_and_the_held_one_stays(tmp_path):
    store = RegistryStore(tmp_path)
    d = downlink(store)
    assert d.handle(pushed({"revoked": ["p1"]}, 1))
    assert (d.version, store.current.revoked) == (1, frozenset({"p1"}))
    # Signed and newer, but not a registry this kiosk can use.
    assert not d.handle(pushed({"quarantined": ["1-1-101"]}, 2))
    assert (d.ignored, d.version, store.current.revoked) == (1, 1, frozenset({"p1"}))
    assert "version 2" in d.last_error
    assert d.handle(pushed({"revoked": []}, 3))
    assert RegistryStore(tmp_path).version == 3


def test_the_version_to_beat_is_the_stores_own(tmp_path):
    """A kiosk seeded with version 5 (or restarted holding it) takes nothing older."""
    store = RegistryStore(tmp_path)
    assert store.accept({"revoked": ["p5"]}, 5)
    d = downlink(RegistryStore(tmp_path))
    assert d.version == 5
    assert not d.handle(pushed({"revoked": []}, 4))
    assert not d.handle(pushed({"revoked": []}, 5))
    assert d.ignored == 1            # the older one; the same version again is no news
    assert not d.handle(pushed({"revoked": []}, 6, site="s2"))
    assert d.ignored == 2 and RegistryStore(tmp_path).current.revoked == frozenset({"p5"})
