"""The kiosk's downlink: the site's signed registry, from the server, applied live.

A registry arrives retained on ``checkpoint/v1/{site}/registry``. It is applied only
when its signature verifies against a key the kiosk trusts, it names this site, and
its version is newer than the one the kiosk holds; then it is stored atomically (so
the kiosk starts with it after a power cut) and handed to the kiosk's callback. An
older, unsigned or forged one is logged and ignored — the kiosk keeps what it has.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable

from sync import registry_envelope as env

log = logging.getLogger(__name__)

RegistryCallback = Callable[[dict[str, Any], int], None]


class Downlink:
    def __init__(self, *, site: str, trusted_keys: dict[str, str], store_path: str | Path | None,
                 on_registry: RegistryCallback | None = None) -> None:
        self.site = site
        self.trusted = env.public_keys(trusted_keys)
        self.store_path = Path(store_path) if store_path else None
        self.on_registry = on_registry
        self.version = -1
        self.ignored = 0
        self.last_error: str | None = None
        if self.store_path:
            stored = env.load_stored(self.store_path, self.trusted, site=site)
            if stored:
                self.version = stored.version

    def stored_registry(self) -> dict[str, Any] | None:
        if not self.store_path:
            return None
        stored = env.load_stored(self.store_path, self.trusted, site=self.site)
        return stored.registry if stored else None

    def handle(self, payload: bytes) -> bool:
        """Apply one received registry; returns whether it was applied."""
        if not payload:
            return False   # a cleared retained message: keep what we have
        try:
            v = env.verify(payload, self.trusted, site=self.site)
        except env.EnvelopeError as exc:
            self._ignore(f"ignored a registry: {exc}")
            return False
        if v.version <= self.version:
            if v.version < self.version:
                self._ignore(f"ignored registry version {v.version}: version {self.version} is newer")
            return False
        if self.store_path:
            env.store_atomically(self.store_path, v.envelope)
        self.version = v.version
        log.info("registry version %d applied (signed by %s, issued %s)", v.version, v.key_id, v.issued_at)
        if self.on_registry:
            self.on_registry(v.registry, v.version)
        return True

    def _ignore(self, message: str) -> None:
        self.ignored += 1
        self.last_error = message
        log.warning("%s", message)
