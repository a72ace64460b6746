"""The collector: entries from the broker into storage, then the ack back to the kiosk.

Subscribes with a shared subscription, so several collectors split the load. Its MQTT
session outlives it (a fixed client id, clean_start off, a session expiry), so the
broker queues the batches meant for it while it restarts. Once subscribed it says
``online`` on its retained status topic, and its last will says ``offline``: kiosks send
their unacked window again at once instead of waiting for their ack timeout. Every
payload is validated; a bad one is logged, counted and recorded, and never stops the
collector. Messages that arrive together are stored in one transaction, and each
gate's ack (the highest seq below which everything is stored) is published only after
that transaction committed — an ack is a promise the kiosk may forget the entries.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import socket
import threading
import time

import paho.mqtt.client as mqtt

from sync import schema, topics
from sync.link import Endpoint, Link
from sync.server.storage import Storage

log = logging.getLogger(__name__)


def default_client_id(cfg) -> str:
    """The same id at every start of one server (so the broker keeps its session), and a
    different one for each server on a host: the host name and its state directory."""
    where = hashlib.sha256(str(cfg.server.state_dir.resolve()).encode()).hexdigest()[:8]
    return f"collector-{socket.gethostname()}-{where}"


class Collector:
    def __init__(self, mqtt_cfg, storage: Storage, *, client_id: str | None = None) -> None:
        self.cfg = mqtt_cfg
        self.storage = storage
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.received_batches = 0     # entries messages this collector was given by the broker
        self.stored_batches = 0
        self.rejected = 0
        self.store_failures = 0
        self.masked_id_numbers = 0    # clear ID numbers that arrived and were masked
        # Work to do on the collector thread after each (re)connection, e.g. re-publishing
        # the retained registries a broker may have lost.
        self.after_connect: list = []
        # Called with (site, gate, entries) after each stored batch, on this thread: must not block.
        self.after_store: list = []
        self._reconnected = False
        self.client_id = client_id or mqtt_cfg.client_id or f"collector-{socket.gethostname()}"
        self.status_topic = topics.COLLECTOR.format(collector=self.client_id)
        will = (self.status_topic, schema.encode_collector_status("offline"), 1, True)
        self.link = Link(Endpoint.from_section(mqtt_cfg), client_id=self.client_id, name="collector",
                         on_up=self._on_up, on_message=lambda m: self._inbox.put((m.topic, m.payload)),
                         will=will, max_inflight=1000, session_expiry_s=mqtt_cfg.session_expiry_s or None)

    @property
    def state(self):
        return self.link.state

    def _on_up(self, client: mqtt.Client) -> None:
        client.subscribe([(topics.shared(topics.ENTRIES), 1), (topics.STATUS.wildcard(), 1)])
        # After the SUBSCRIBE on the same connection: whatever a kiosk sends on hearing this
        # reaches the subscription.
        client.publish(self.status_topic, schema.encode_collector_status("online"), qos=1, retain=True)
        self._reconnected = True

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="collector", daemon=True)
        self._thread.start()
        self.link.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)
        if self.link.connected:
            # A clean disconnect does not fire the will.
            info = self.link.client.publish(self.status_topic, schema.encode_collector_status("offline"),
                                            qos=1, retain=True)
            try:
                info.wait_for_publish(timeout=2.0)
            except (RuntimeError, ValueError):
                pass
        self.link.stop()

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._reconnected:
                self._reconnected = False
                for work in self.after_connect:
                    try:
                        work()
                    except Exception:  # noqa: BLE001
                        log.exception("after-connect work failed")
            try:
                items = [self._inbox.get(timeout=0.5)]
            except queue.Empty:
                continue
            while len(items) < self.cfg.commit_max_messages:
                try:
                    items.append(self._inbox.get_nowait())
                except queue.Empty:
                    break
            try:
                self.handle(items)
            except Exception:  # noqa: BLE001 - the collector outlives any one message
                log.exception("could not handle %d message(s); the kiosks will send them again", len(items))
                time.sleep(0.5)

    def handle(self, items: list[tuple[str, bytes]]) -> dict[tuple[str, str], int]:
        """Validate, store and ack one group of messages; returns the acks sent."""
        batches = []
        stored: dict[tuple[str, str], int] = {}     # each gate's stored seq, read once per group
        for topic, payload in items:
            routed = topics.route(topic)
            if routed is None:
                continue
            kind, params = routed
            try:
                if kind is topics.ENTRIES:
                    self.received_batches += 1
                    batch = schema.parse_batch(payload, params["site"], params["gate"], self.cfg.max_batch_bytes)
                    key = (batch.site, batch.gate)
                    if key not in stored:
                        stored[key] = self.storage.contiguous_seq(*key)
                    schema.check_window(batch, stored[key])
                    if schema.may_hold_id_number(payload):
                        batch = self._masked(topic, batch, len(payload))
                    batches.append(batch)
                elif kind is topics.STATUS:
                    self.storage.record_status(params["site"], params["gate"], schema.parse_status(payload))
            except schema.SchemaError as exc:
                self.reject(topic, str(exc), len(payload))
        if not batches:
            return {}
        try:
            acks = self.storage.store(batches)
        except Exception:
            self.store_failures += 1
            raise
        self.stored_batches += len(batches)
        for batch in batches:
            for hook in self.after_store:
                hook(batch.site, batch.gate, batch.entries)
        for (site, gate), seq in acks.items():
            info = self.link.client.publish(topics.ACK.format(site, gate), schema.encode_ack(seq), qos=1)
            if info.rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
                # The kiosk re-sends after its ack timeout and gets the ack then.
                log.warning("ack for %s/%s not sent: %s", site, gate, mqtt.error_string(info.rc))
        return acks

    def _masked(self, topic: str, batch: schema.Batch, size: int) -> schema.Batch:
        """The batch with any clear ID number masked before it is stored; each masking is
        recorded (the stored entry then no longer matches its hash, which shows too)."""
        entries = []
        for entry in batch.entries:
            masked, count = schema.mask_id_numbers(entry)
            if count:
                self.masked_id_numbers += count
                log.warning("masked %d clear ID number(s) in %s seq %d", count, topic[:200], entry["seq"])
                self._record(topic, f"entry seq {entry['seq']}: {count} clear ID number(s) masked before storing",
                             size)
            entries.append(masked)
        return schema.Batch(batch.site, batch.gate, entries)

    def _record(self, topic: str, reason: str, size: int) -> None:
        try:
            self.storage.record_rejection(topic, reason, size)
        except Exception:  # noqa: BLE001 - counting a bad message must not fail the good ones
            log.exception("could not record the rejection")

    def reject(self, topic: str, reason: str, size: int) -> None:
        log.warning("rejected a message on %s (%d bytes): %s", topic[:200], size, reason)
        self._record(topic, reason, size)
        # Counted once recorded: whoever sees the count sees the record.
        self.rejected += 1
