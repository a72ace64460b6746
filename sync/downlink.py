"""The kiosk's downlink: the site's signed registry, from the server, handed to the kiosk.

A registry arrives retained on ``checkpoint/v1/{site}/registry``. It is handed over only
when its signature verifies against a key the kiosk trusts, it names this site, and its
version is newer than the one the kiosk holds. The kiosk's registry store is the one
place a registry is kept (so the kiosk starts with it after a power cut); the downlink
keeps nothing of its own. An older, unsigned or forged one is logged and ignored — the
kiosk keeps what it has.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from sync import registry_envelope as env
from sync import topics

log = logging.getLogger(__name__)


class RegistrySink(Protocol):
    """Where verified registries go: the kiosk's registry store."""

    @property
    def version(self) -> int: ...

    def accept(self, registry: dict[str, Any], version: int) -> bool:
        """Check and keep a verified registry newer than ``version``; returns whether it was kept."""


class Downlink:
    def __init__(self, *, site: str, trusted_keys: dict[str, str], sink: RegistrySink) -> None:
        self.site = site
        self.topic = topics.REGISTRY.format(site)
        self.trusted = env.public_keys(trusted_keys)
        self.sink = sink
        self.ignored = 0
        self.last_error: str | None = None

    @property
    def version(self) -> int:
        return self.sink.version

    def handle(self, payload: bytes) -> bool:
        """Hand one received registry to the sink; returns whether it was kept."""
        if not payload:
            return False   # a cleared retained message: keep what we have
        try:
            v = env.verify(payload, self.trusted, site=self.site)
        except env.EnvelopeError as exc:
            self._ignore(f"ignored a registry: {exc}")
            return False
        held = self.version
        if v.version <= held:
            if v.version < held:
                self._ignore(f"ignored registry version {v.version}: version {held} is newer")
            return False
        if not self.sink.accept(v.registry, v.version):
            self._ignore(f"registry version {v.version} verified but not kept")
            return False
        log.info("registry version %d applied (signed by %s, issued %s)", v.version, v.key_id, v.issued_at)
        return True

    def _ignore(self, message: str) -> None:
        self.ignored += 1
        self.last_error = message
        log.warning("%s", message)
