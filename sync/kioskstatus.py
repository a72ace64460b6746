"""The kiosk's retained status topic: what the fleet screen shows of one gate.

Published every ``every_s`` while online, at once after a (re)connect or a new registry,
``stopped`` on a clean stop, and ``offline`` by the broker as the connection's last will.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable

import paho.mqtt.client as mqtt

from sync import clocksync, schema, topics

log = logging.getLogger(__name__)

STATUS_EVERY_S = 15.0

StatusSource = Callable[[], dict[str, Any]]


class StatusPublisher:
    def __init__(self, *, site: str, gate: str, software_version: str, source: StatusSource | None = None,
                 registry_version: Callable[[], int] | None = None, every_s: float = STATUS_EVERY_S) -> None:
        self.site, self.gate = site, gate
        self.topic = topics.STATUS.format(site, gate)
        self.software_version = software_version
        self.source = source
        self.registry_version = registry_version
        self.every_s = every_s
        self._due = 0.0

    def will(self) -> tuple[str, bytes, int, bool]:
        return self.topic, schema.encode_status({"state": "offline"}), 1, True

    def soon(self) -> None:
        """Publish on the next round rather than at the usual time."""
        self._due = 0.0

    def due(self, now: float) -> bool:
        return now >= self._due

    def publish(self, client: mqtt.Client, figures: dict[str, Any], now: float,
                state: str = "online") -> mqtt.MQTTMessageInfo:
        self._due = now + self.every_s
        info = client.publish(self.topic, self.payload(figures, state), qos=1, retain=True)
        if info.rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
            log.warning("status publish refused (%s)", mqtt.error_string(info.rc))
        return info

    def payload(self, figures: dict[str, Any], state: str = "online") -> bytes:
        """The kiosk's own fields (devices, registry, disk...) under the sync's figures
        (backlog, acked_seq, last_seq, oldest_unsynced_ts), which the kiosk cannot override."""
        fields: dict[str, Any] = {}
        if self.source:
            try:
                fields.update(self.source())
            except Exception:  # noqa: BLE001 - a broken provider must not stop the sync
                log.exception("status source failed")
        fields.setdefault("clock_synced", clocksync.is_synchronised())
        if self.registry_version:
            fields.setdefault("registry_version", self.registry_version())
        fields.update({"state": state, "site": self.site, "gate": self.gate, "version": self.software_version,
                       **figures, "sent_at": time.time()})
        return schema.encode_status(fields)

