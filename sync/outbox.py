"""The kiosk's store-and-forward outbox: journal -> MQTT -> the server's ack -> journal.

The journal is the only queue. The outbox reads entries after the last acknowledged
seq, publishes them oldest first in batches, and records an entry as synced only when
the server's ack (``{"v":1,"seq":N}`` on the gate's ack topic) says it is stored —
never on PUBACK, which only means the broker took it. Whatever is not acked in time,
or was in flight across a restart of the kiosk, is simply sent again; the server
stores each (site, gate, seq) once. The unacked window goes again at once on every
reconnect and whenever a collector announces itself online (it may have missed what
was sent while it was away), so the ack timeout is only the last resort.

Threads: paho's socket runs on the ``Link`` thread; all the logic, every journal read
and every ``publish()`` runs on the outbox's own thread, which the paho callbacks only
feed through a queue.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from pathlib import Path
from typing import Any, Callable

import paho.mqtt.client as mqtt

from kiosk.journal import Journal
from sync import clocksync, schema, topics
from sync.downlink import Downlink, RegistryCallback
from sync.link import Endpoint, Link, LinkState

log = logging.getLogger(__name__)

STATUS_EVERY_S = 15.0
POLL_S = 0.25   # entries journaled by another process show up without a wake()


class Outbox:
    def __init__(self, cfg, *, site: str, gate: str, journal_path: str | Path,
                 status_source: Callable[[], dict[str, Any]] | None = None,
                 software_version: str | None = None,
                 on_registry: RegistryCallback | None = None,
                 registry_path: str | Path | None = None) -> None:
        self.cfg = cfg
        self.site, self.gate = site, gate
        self.journal_path = Path(journal_path)
        self.status_source = status_source
        self.software_version = software_version or _package_version()
        self.entries_topic = topics.ENTRIES.format(site, gate)
        self.ack_topic = topics.ACK.format(site, gate)
        self.status_topic = topics.STATUS.format(site, gate)
        self.registry_topic = topics.REGISTRY.format(site)
        # Without trusted keys no registry can verify, so none is subscribed to.
        self.downlink = Downlink(site=site, trusted_keys=cfg.registry_keys, store_path=registry_path,
                                 on_registry=on_registry) if getattr(cfg, "registry_keys", None) else None
        self.window_entries = cfg.batch_size * getattr(cfg, "window_batches", 32)
        self._events: queue.SimpleQueue = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Read by the UI from other threads; written only by the outbox thread.
        self._acked = 0
        self._last = 0
        self.sent_batches = 0
        self.resends = 0
        will = (self.status_topic, schema.encode_status({"state": "offline"}), 1, True)
        self.link = Link(Endpoint.from_section(cfg), client_id=f"kiosk-{site}-{gate}", name="outbox",
                         on_up=self._on_up, on_down=lambda: self._events.put(("down", None)),
                         on_message=self._on_message, will=will,
                         max_inflight=max(1, getattr(cfg, "window_batches", 32)))

    # -- what the UI and the checkpoint see ---------------------------------------------

    @property
    def state(self) -> LinkState:
        return self.link.state

    @property
    def backlog(self) -> int:
        return max(0, self._last - self._acked)

    @property
    def acked_seq(self) -> int:
        return self._acked

    def wake(self, *_args) -> None:
        """Called by the checkpoint after each append, so an online entry leaves at once."""
        self._events.put(("wake", None))

    # -- paho callbacks (network thread): only queue events ----------------------------

    def _on_up(self, client: mqtt.Client) -> None:
        client.subscribe([(self.ack_topic, 1), (topics.COLLECTOR.wildcard(), 1)])
        if self.downlink:
            client.subscribe(self.registry_topic, qos=1)
        self._events.put(("up", None))

    def _on_message(self, message: mqtt.MQTTMessage) -> None:
        if message.topic == self.ack_topic:
            self._events.put(("ack", message.payload))
        elif message.topic == self.registry_topic:
            self._events.put(("registry", message.payload))
        elif not message.retain and topics.COLLECTOR.match(message.topic):
            # Live news only: a retained status comes with every (re)subscription, which
            # has just sent the window again anyway.
            self._events.put(("collector", message.payload))

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="outbox", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._events.put(("wake", None))
        if self._thread:
            self._thread.join(timeout)
        if self.link.connected:
            info = self.link.client.publish(self.status_topic, self._status_payload("stopped"), qos=1, retain=True)
            try:
                info.wait_for_publish(timeout=2.0)
            except (RuntimeError, ValueError):
                pass
        self.link.stop()

    # -- the loop -------------------------------------------------------------------------

    def _run(self) -> None:
        self.journal = Journal(self.journal_path, site=self.site, gate=self.gate)
        try:
            self._loop()
        except Exception:
            log.exception("outbox stopped by an unexpected error")
            raise
        finally:
            self.journal.close()

    def _loop(self) -> None:
        j = self.journal
        self._acked = acked = j.acked_seq()
        self._last = j.last_seq()
        sent = acked                      # highest seq handed to paho in this window
        progress_at = time.monotonic()    # last ack that moved, or start of the window
        pending_since: float | None = None
        status_due = 0.0
        online = False
        linger = self.cfg.linger_ms / 1000
        self.link.start()
        while not self._stop.is_set():
            now = time.monotonic()
            wait = POLL_S
            if pending_since is not None:
                wait = max(0.0, min(wait, pending_since + linger - now))
            try:
                events = [self._events.get(timeout=wait)]
            except queue.Empty:
                events = []
            while True:
                try:
                    events.append(self._events.get_nowait())
                except queue.Empty:
                    break
            now = time.monotonic()
            for kind, data in events:
                if kind == "up":
                    online = True
                    if sent > acked:
                        # What was in flight may be gone with the old connection (a broker
                        # that lost it, a collector that was away): send it all again now
                        # rather than after the ack timeout. The server stores each seq once.
                        log.info("reconnected with seq %d..%d unacked; sending again", acked + 1, sent)
                        self.resends += 1
                        sent = acked
                    progress_at = now
                    status_due = 0.0
                elif kind == "down":
                    online = False
                elif kind == "collector" and self._collector_came_online(data) and sent > acked:
                    log.info("a collector came online with seq %d..%d unacked; sending again", acked + 1, sent)
                    self.resends += 1
                    sent, progress_at = acked, now
                elif kind == "ack":
                    seq = self._parse_ack(data)
                    if seq is not None and seq > acked:
                        j.record_ack(seq)
                        acked = j.acked_seq()
                        progress_at = now
                        sent = max(sent, acked)
                elif kind == "registry" and self.downlink:
                    try:
                        if self.downlink.handle(data):
                            status_due = 0.0
                    except Exception:  # noqa: BLE001 - a bad registry must not stop the sync
                        log.exception("could not apply a registry")
            self._acked = acked
            self._last = last = j.last_seq()

            if not (online and self.link.connected):
                continue
            if sent > acked and now - progress_at > self.cfg.ack_timeout_s:
                log.info("no ack for seq %d..%d within %.0f s; sending again", acked + 1, sent, self.cfg.ack_timeout_s)
                self.resends += 1
                sent, progress_at = acked, now
            while sent < last and sent - acked < self.window_entries:
                if last - sent < self.cfg.batch_size and linger > 0:
                    if pending_since is None:
                        pending_since = now
                    if now - pending_since < linger:
                        break
                rows = j.bodies_after(sent, self.cfg.batch_size)
                if not rows:
                    break
                payload = schema.encode_batch_raw(self.site, self.gate, [body for _, body in rows])
                info = self.link.client.publish(self.entries_topic, payload, qos=1)
                # NO_CONN: paho keeps the message and sends it on reconnect; anything else
                # (queue full, too large) means it is not going anywhere: try again later.
                if info.rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
                    log.warning("publish refused (%s); will retry", mqtt.error_string(info.rc))
                    break
                if sent == acked:
                    progress_at = now
                sent = rows[-1][0]
                pending_since = None
                self.sent_batches += 1
            if sent >= last:
                pending_since = None
            if now >= status_due:
                self._publish_status()
                status_due = now + STATUS_EVERY_S

    def _collector_came_online(self, payload: bytes) -> bool:
        try:
            return schema.parse_collector_status(payload) == "online"
        except schema.SchemaError as exc:
            log.warning("ignored a malformed collector status: %s", exc)
            return False

    def _parse_ack(self, payload: bytes) -> int | None:
        try:
            return schema.parse_ack(payload)
        except schema.SchemaError as exc:
            log.warning("ignored a malformed ack: %s", exc)
            return None

    def _status_payload(self, state: str = "online") -> bytes:
        fields: dict[str, Any] = {}
        if self.status_source:
            try:
                fields.update(self.status_source())
            except Exception:  # noqa: BLE001 - a broken provider must not stop the sync
                log.exception("status source failed")
        oldest = self.journal.entries_after(self._acked, 1) if state == "online" else []
        fields.setdefault("clock_synced", clocksync.is_synchronised())
        if self.downlink:
            fields.setdefault("registry_version", self.downlink.version)
        fields.update({
            "state": state,
            "site": self.site,
            "gate": self.gate,
            "version": self.software_version,
            "backlog": self.backlog,
            "acked_seq": self._acked,
            "last_seq": self._last,
            "oldest_unsynced_ts": oldest[0]["ts"] if oldest else None,
            "sent_at": time.time(),
        })
        return schema.encode_status(fields)

    def _publish_status(self) -> None:
        info = self.link.client.publish(self.status_topic, self._status_payload(), qos=1, retain=True)
        if info.rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
            log.warning("status publish refused (%s)", mqtt.error_string(info.rc))


def _package_version() -> str:
    try:
        from kiosk import __version__
        return __version__
    except ImportError:
        return "unknown"
