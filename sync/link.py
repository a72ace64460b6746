"""One MQTT connection, kept up: TLS and credentials from config, reconnection with
exponential back-off and jitter, and a state a person can read.

Both the kiosk's outbox and the server's collector use it. paho-mqtt runs the socket;
this module owns only the connect/reconnect policy, because paho's own reconnect loop
has no jitter (a fleet of kiosks would reconnect in lock-step after a broker restart)
and cannot say *why* a connection fails.

Callbacks given to ``Link`` run on its network thread: they must not block or take
locks the owner holds while calling into paho. The owners only put events on a queue.
"""

from __future__ import annotations

import enum
import logging
import random
import socket
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

log = logging.getLogger(__name__)


class LinkState(str, enum.Enum):
    STARTING = "starting"
    CONNECTING = "connecting"        # connecting, or reconnecting after a drop
    CONNECTED = "connected"
    AUTH_FAILED = "auth_failed"      # the broker refused the credentials
    TLS_FAILED = "tls_failed"        # handshake or certificate check failed
    UNREACHABLE = "unreachable"      # no TCP connection to the broker
    STOPPED = "stopped"

    def __str__(self) -> str:
        return self.value


PROBLEM_STATES = frozenset({LinkState.AUTH_FAILED, LinkState.TLS_FAILED, LinkState.UNREACHABLE})


@dataclass
class Endpoint:
    """Where and how to connect; built from the kiosk's or the server's [mqtt] section."""

    host: str = "127.0.0.1"
    port: int = 1883
    username: str | None = None
    password: str | None = None
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    keepalive: int = 30

    @classmethod
    def from_section(cls, section) -> "Endpoint":
        return cls(**{k: getattr(section, k) for k in
                      ("host", "port", "username", "password", "ca_file", "cert_file", "key_file")
                      if hasattr(section, k)})


class Backoff:
    """Exponential back-off with full jitter: a random delay in [base, cap] that doubles."""

    def __init__(self, base: float = 0.5, cap: float = 30.0, rng: random.Random | None = None) -> None:
        self.base, self.cap = base, cap
        self.attempt = 0
        self._rng = rng or random.Random()

    def next(self) -> float:
        ceiling = min(self.cap, self.base * (2 ** self.attempt))
        self.attempt = min(self.attempt + 1, 30)
        return self._rng.uniform(self.base, max(self.base, ceiling))

    def reset(self) -> None:
        self.attempt = 0


class Link:
    def __init__(self, endpoint: Endpoint, client_id: str, *, name: str = "mqtt",
                 on_up: Callable[[mqtt.Client], None] | None = None,
                 on_down: Callable[[], None] | None = None,
                 on_message: Callable[[mqtt.MQTTMessage], None] | None = None,
                 will: tuple[str, bytes, int, bool] | None = None,
                 backoff: Backoff | None = None,
                 max_inflight: int = 100,
                 session_expiry_s: int | None = None) -> None:
        self.endpoint = endpoint
        self.name = name
        self.state = LinkState.STARTING
        self.last_error: str | None = None
        self._on_up, self._on_down, self._on_message = on_up, on_down, on_message
        self._backoff = backoff or Backoff()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._was_up = False
        self._answered = False          # a CONNACK came on the current connection
        if session_expiry_s is None:
            self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
            self._connect_args: dict = {}
        else:
            # MQTT 5 with clean_start=False: the broker keeps this client's subscriptions and
            # queues its QoS 1 messages while it is away, for session_expiry_s.
            self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
            props = Properties(PacketTypes.CONNECT)
            props.SessionExpiryInterval = session_expiry_s
            self._connect_args = {"clean_start": False, "properties": props}
        # Our own window bounds what is outstanding; paho must never refuse for its own reasons.
        self.client.max_inflight_messages_set(max_inflight)
        self.client.max_queued_messages_set(0)
        if endpoint.username:
            self.client.username_pw_set(endpoint.username, endpoint.password)
        if endpoint.ca_file or endpoint.cert_file:
            self.client.tls_set(ca_certs=str(endpoint.ca_file) if endpoint.ca_file else None,
                                certfile=str(endpoint.cert_file) if endpoint.cert_file else None,
                                keyfile=str(endpoint.key_file) if endpoint.key_file else None)
        if will:
            topic, payload, qos, retain = will
            self.client.will_set(topic, payload, qos=qos, retain=retain)
        # A small message (an ack, a lone entry) goes out at once: with Nagle's algorithm it
        # waits for the peer's delayed ACK of the packet before, about 40 ms on Linux.
        self.client.on_socket_open = _no_delay
        # Without a loop_start() thread, paho's publish() writes to the socket from the
        # caller's thread while this link's thread may be reading or writing it: two
        # threads in one TLS connection crash the process, and on plain TCP they can
        # interleave packets. With a write-registration callback set, publish() only
        # queues the packet and wakes this thread, which alone touches the socket.
        self.client.on_socket_register_write = _socket_written_by_link_thread
        self.client.on_connect = self._handle_connect
        self.client.on_disconnect = self._handle_disconnect
        self.client.on_message = self._handle_message

    # -- paho callbacks: no blocking, no owner locks ----------------------------------

    def _handle_connect(self, client, userdata, flags, reason_code, properties) -> None:
        self._answered = True
        if reason_code.is_failure:
            self._set_state(LinkState.AUTH_FAILED, f"broker refused the connection: {reason_code}")
            return
        self._was_up = True
        self._set_state(LinkState.CONNECTED, None)
        if self._on_up:
            self._on_up(client)

    def _handle_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        if self._on_down:
            self._on_down()

    def _handle_message(self, client, userdata, message) -> None:
        if self._on_message:
            self._on_message(message)

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"{self.name}-net", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        try:
            self.client.disconnect()
        except Exception:  # noqa: BLE001 - already gone is fine on the way out
            pass
        if self._thread:
            self._thread.join(timeout)
        self.state = LinkState.STOPPED

    @property
    def connected(self) -> bool:
        return self.state == LinkState.CONNECTED and self.client.is_connected()

    def _set_state(self, state: LinkState, error: str | None) -> None:
        if state != self.state or error != self.last_error:
            target = f"{self.endpoint.host}:{self.endpoint.port}"
            if state in PROBLEM_STATES:
                log.warning("%s: %s (%s): %s", self.name, state.value, target, error)
            elif state == LinkState.CONNECTED:
                log.info("%s: connected to %s", self.name, target)
        self.state, self.last_error = state, error

    def _run(self) -> None:
        first = True
        while not self._stop.is_set():
            self._answered = False
            try:
                if first:
                    self.client.connect(self.endpoint.host, self.endpoint.port, keepalive=self.endpoint.keepalive,
                                        **self._connect_args)
                    first = False
                else:
                    self.client.reconnect()
            except ssl.SSLError as exc:
                _close_sockets_of(exc)
                self._set_state(LinkState.TLS_FAILED, f"TLS handshake failed: {exc.reason or exc}")
            except OSError as exc:
                _close_sockets_of(exc)
                self._set_state(LinkState.UNREACHABLE, f"cannot reach the broker: {exc.strerror or exc}")
            except Exception as exc:  # noqa: BLE001 - paho raises ValueError for some bad settings
                self._set_state(LinkState.UNREACHABLE, f"cannot connect: {exc}")
            else:
                if self.state not in (LinkState.AUTH_FAILED,):
                    self._set_state(LinkState.CONNECTING, None)
                rc = mqtt.MQTT_ERR_SUCCESS
                while rc == mqtt.MQTT_ERR_SUCCESS and not self._stop.is_set():
                    rc = self.client.loop(timeout=1.0)
                if self._stop.is_set():
                    break
                if self.state == LinkState.CONNECTED:
                    self._set_state(LinkState.CONNECTING, f"connection lost ({mqtt.error_string(rc)})")
                    log.info("%s: connection lost (%s); reconnecting", self.name, mqtt.error_string(rc))
                elif not self._answered:
                    self._set_state(*self._closed_unanswered())
            if self._was_up:
                self._backoff.reset()
                self._was_up = False
            self._stop.wait(self._backoff.next())


    def _closed_unanswered(self) -> tuple[LinkState, str]:
        """Why a broker hangs up before answering the CONNECT: with TLS, it did not take
        the handshake or the client certificate (TLS 1.3 reports that only after the
        handshake seems done); without, the port most likely expects TLS."""
        if self.endpoint.ca_file or self.endpoint.cert_file:
            return LinkState.TLS_FAILED, ("the broker closed the connection before accepting it: it refused "
                                          "the TLS handshake or this client's certificate (cert_file, key_file)")
        return LinkState.UNREACHABLE, ("the broker closed the connection without answering; "
                                       "if that port expects TLS, set ca_file")


def _socket_written_by_link_thread(client, userdata, sock) -> None:
    """Nothing to do: the link's loop() sees the queued packet and writes it."""


def _no_delay(client, userdata, sock) -> None:
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):
        pass   # not a TCP socket (a proxy, a test double): nothing to tune


def _close_sockets_of(exc: BaseException) -> None:
    """Close the socket a failed connect left open: paho does not close it when the TLS
    handshake fails, and a kiosk retrying for days would leak one descriptor per try."""
    tb = exc.__traceback__
    while tb is not None:
        for value in list(tb.tb_frame.f_locals.values()):
            if isinstance(value, socket.socket):
                value.close()
        tb = tb.tb_next
