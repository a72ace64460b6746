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
from typing import Any, Callable, Protocol

import paho.mqtt.client as mqtt

from sync import schema, topics
from sync.downlink import Downlink
from sync.kioskstatus import StatusPublisher, StatusSource
from sync.link import Endpoint, Link, LinkState
from sync.sendwindow import SendWindow

log = logging.getLogger(__name__)

POLL_S = 0.25   # entries journaled by another process show up without a wake()


class OutboxJournal(Protocol):
    """What the outbox needs of the kiosk's journal: its seqs, its stored texts, acks."""

    def acked_seq(self) -> int: ...
    def last_seq(self) -> int: ...
    def record_ack(self, seq: int) -> bool: ...
    def bodies_after(self, seq: int, limit: int) -> list[tuple[int, str]]: ...
    def entries_after(self, seq: int, limit: int) -> list[dict[str, Any]]: ...
    def close(self) -> None: ...


class Outbox:
    def __init__(self, cfg, *, site: str, gate: str, open_journal: Callable[[], OutboxJournal],
                 status_source: StatusSource | None = None,
                 software_version: str = "unknown", downlink: Downlink | None = None) -> None:
        self.cfg = cfg
        self.site, self.gate = site, gate
        # Opened on the outbox's own thread: one SQLite connection per thread.
        self.open_journal = open_journal
        self.entries_topic = topics.ENTRIES.format(site, gate)
        self.ack_topic = topics.ACK.format(site, gate)
        # Rides this connection: the kiosk's registry, when it trusts keys to verify one.
        self.downlink = downlink
        self.status = StatusPublisher(site=site, gate=gate, software_version=software_version,
                                      source=status_source,
                                      registry_version=(lambda: self.downlink.version) if self.downlink else None)
        window_batches = getattr(cfg, "window_batches", 32)
        # Read by the UI from other threads; written only by the outbox thread.
        self.window = SendWindow(batch_size=cfg.batch_size, window_entries=cfg.batch_size * window_batches,
                                 linger_s=cfg.linger_ms / 1000, ack_timeout_s=cfg.ack_timeout_s)
        self._events: queue.SimpleQueue = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._online = False
        # What each event does on the outbox thread; incoming messages are named by
        # their topic in the topic table.
        self._handlers: dict[str, Callable[[Any, float], None]] = {
            "up": self._up, "down": self._down, "wake": lambda _data, _now: None,
            topics.ACK.name: self._ack, topics.COLLECTOR.name: self._collector}
        if downlink:
            self._handlers[topics.REGISTRY.name] = self._registry
        self.link = Link(Endpoint.from_section(cfg), client_id=f"kiosk-{site}-{gate}", name="outbox",
                         on_up=self._on_up, on_down=lambda: self._events.put(("down", None)),
                         on_message=self._on_message, will=self.status.will(),
                         max_inflight=max(1, window_batches))

    # -- what the UI and the checkpoint see ---------------------------------------------

    @property
    def state(self) -> LinkState:
        return self.link.state

    @property
    def backlog(self) -> int:
        return self.window.backlog

    @property
    def acked_seq(self) -> int:
        return self.window.acked

    @property
    def sent_batches(self) -> int:
        return self.window.sent_batches

    @property
    def resends(self) -> int:
        return self.window.resends

    def wake(self, *_args) -> None:
        """Called by the checkpoint after each append, so an online entry leaves at once."""
        self._events.put(("wake", None))

    # -- paho callbacks (network thread): only queue events ----------------------------

    def _on_up(self, client: mqtt.Client) -> None:
        wanted = [(self.ack_topic, topics.ACK.qos), (topics.COLLECTOR.wildcard(), topics.COLLECTOR.qos)]
        if self.downlink:
            wanted.append((self.downlink.topic, topics.REGISTRY.qos))
        client.subscribe(wanted)
        self._events.put(("up", None))

    def _on_message(self, message: mqtt.MQTTMessage) -> None:
        routed = topics.route(message.topic)
        if routed is None:
            return
        topic, params = routed
        if params.get("site", self.site) != self.site or params.get("gate", self.gate) != self.gate:
            return
        # A retained collector status comes with every (re)subscription, which has just
        # sent the window again anyway: live news only.
        if topic is topics.COLLECTOR and message.retain:
            return
        if topic.name in self._handlers:
            self._events.put((topic.name, message.payload))

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
            info = self.status.publish(self.link.client, self._figures(), time.monotonic(), state="stopped")
            try:
                info.wait_for_publish(timeout=2.0)
            except (RuntimeError, ValueError):
                pass
        self.link.stop()

    # -- the loop -------------------------------------------------------------------------

    def _run(self) -> None:
        self.journal = self.open_journal()
        try:
            self._loop()
        except Exception:
            log.exception("outbox stopped by an unexpected error")
            raise
        finally:
            self.journal.close()

    def _loop(self) -> None:
        w = self.window
        w.acked_up_to(self.journal.acked_seq(), time.monotonic())
        w.journaled(self.journal.last_seq())
        self.link.start()
        while not self._stop.is_set():
            events = self._next_events(w.wait_s(time.monotonic(), POLL_S))
            now = time.monotonic()
            for kind, data in events:
                self._handlers[kind](data, now)
            w.journaled(self.journal.last_seq())
            if not (self._online and self.link.connected):
                continue
            if w.timed_out(now):
                self._send_again(now, f"no ack within {self.cfg.ack_timeout_s:.0f} s")
            self._send(now)
            if self.status.due(now):
                self.status.publish(self.link.client, self._figures(oldest=True), now)

    def _next_events(self, wait: float) -> list[tuple[str, Any]]:
        try:
            events = [self._events.get(timeout=wait)]
        except queue.Empty:
            return []
        while True:
            try:
                events.append(self._events.get_nowait())
            except queue.Empty:
                return events

    def _send(self, now: float) -> None:
        w = self.window
        while (after := w.next_batch(now)) is not None:
            rows = self.journal.bodies_after(after, self.cfg.batch_size)
            if not rows:
                break
            payload = schema.encode_batch_raw(self.site, self.gate, [body for _, body in rows])
            info = self.link.client.publish(self.entries_topic, payload, qos=1)
            # NO_CONN: paho keeps the message and sends it on reconnect; anything else
            # (queue full, too large) means it is not going anywhere: try again later.
            if info.rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
                log.warning("publish refused (%s); will retry", mqtt.error_string(info.rc))
                break
            w.batch_sent(rows[-1][0], now)
        w.settle()

    def _send_again(self, now: float, why: str) -> None:
        w = self.window
        if w.in_flight:
            log.info("%s with seq %d..%d unacked; sending again", why, w.acked + 1, w.sent)
        w.restart(now)

    def _figures(self, oldest: bool = False) -> dict[str, Any]:
        w = self.window
        first = self.journal.entries_after(w.acked, 1) if oldest else []
        return {"backlog": w.backlog, "acked_seq": w.acked, "last_seq": w.last,
                "oldest_unsynced_ts": first[0]["ts"] if first else None}

    # -- events ---------------------------------------------------------------------------

    def _up(self, _data: None, now: float) -> None:
        # What was in flight may be gone with the old connection (a broker that lost it,
        # a collector that was away): send it all again now rather than after the ack
        # timeout. The server stores each seq once.
        self._online = True
        self._send_again(now, "reconnected")
        self.status.soon()

    def _down(self, _data: None, _now: float) -> None:
        self._online = False

    def _collector(self, payload: bytes, now: float) -> None:
        try:
            online = schema.parse_collector_status(payload) == "online"
        except schema.SchemaError as exc:
            log.warning("ignored a malformed collector status: %s", exc)
            return
        if online and self.window.in_flight:
            self._send_again(now, "a collector came online")

    def _ack(self, payload: bytes, now: float) -> None:
        try:
            seq = schema.parse_ack(payload)
        except schema.SchemaError as exc:
            log.warning("ignored a malformed ack: %s", exc)
            return
        if seq > self.window.acked:
            self.journal.record_ack(seq)
            self.window.acked_up_to(self.journal.acked_seq(), now)

    def _registry(self, payload: bytes, _now: float) -> None:
        try:
            if self.downlink.handle(payload):
                self.status.soon()
        except Exception:  # noqa: BLE001 - a bad registry must not stop the sync
            log.exception("could not apply a registry")

