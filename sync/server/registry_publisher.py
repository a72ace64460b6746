"""Publishing a site's registry: sign it with the server's Ed25519 key, keep it, and
publish it retained on ``checkpoint/v1/{site}/registry`` so every kiosk of the site,
online now or later, receives the newest version."""

from __future__ import annotations

import logging
from typing import Any

import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync import registry_envelope as env
from sync import topics
from sync.server.storage import Storage

log = logging.getLogger(__name__)


class PublishError(RuntimeError):
    pass


class RegistryPublisher:
    def __init__(self, storage: Storage, client: mqtt.Client, key: Ed25519PrivateKey, key_id: str) -> None:
        self.storage, self.client, self.key, self.key_id = storage, client, key, key_id

    @property
    def public_key(self) -> str:
        return env.public_key_text(self.key)

    def publish(self, site: str, registry: dict[str, Any], *, actor: str, timeout: float = 5.0) -> dict[str, Any]:
        """Sign and store the next version, then publish it. Stored first: should the broker
        be away, ``republish`` sends it when the collector reconnects."""
        envelope = self.storage.save_registry(
            site, lambda version: env.sign(registry, site=site, version=version, key=self.key, key_id=self.key_id),
            actor)
        log.info("registry version %d for site %s published by %s", envelope["version"], site, actor)
        self._send(site, envelope, timeout)
        return envelope

    def republish(self, timeout: float = 5.0) -> None:
        """Publish every site's newest registry again (a broker that lost its retained messages)."""
        for site in self.storage.registry_sites():
            envelope = self.storage.latest_registry(site)
            if envelope:
                try:
                    self._send(site, envelope, timeout)
                except PublishError as exc:
                    log.warning("%s", exc)

    def _send(self, site: str, envelope: dict[str, Any], timeout: float) -> None:
        info = self.client.publish(topics.REGISTRY.format(site), env.encode(envelope), qos=1, retain=True)
        if info.rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
            raise PublishError(f"registry for {site} not published: {mqtt.error_string(info.rc)}")
        try:
            info.wait_for_publish(timeout=timeout)
        except (RuntimeError, ValueError) as exc:
            raise PublishError(f"registry for {site} stored, not yet published: {exc}") from None
        if not info.is_published():
            raise PublishError(f"registry for {site} stored; the broker has not confirmed it yet")
