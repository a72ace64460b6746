"""A real Mosquitto broker on a loopback port, with a generated config.

Used by `kiosk demo`, the tests and the benchmarks. The queue limits are set on
purpose: Mosquitto's default ``max_queued_messages`` (1000) silently drops QoS 1
messages it has already acknowledged to the publisher once a subscriber falls behind
or comes back late. The kiosk only trusts the server's ack, so a drop costs a re-send,
not an entry — but a broker that drops under ordinary load makes every drain slow.
"""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


class BrokerError(RuntimeError):
    pass


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@dataclass
class BrokerLimits:
    """Queueing limits written into the config; see the module docstring for why."""

    # Per client, above what is in flight. Large enough that a collector that falls a
    # few seconds behind a fleet draining backlogs loses nothing.
    max_queued_messages: int = 100_000
    # Bounds the memory that queue may use (0 would be unbounded).
    max_queued_bytes: int = 512 * 1024 * 1024
    # QoS 1 messages the broker sends to one client before waiting for its PUBACKs.
    max_inflight_messages: int = 100
    # Seconds between persistence snapshots. Mosquitto writes only then, so a kill -9
    # loses what changed since: persistent sessions cut re-sends, they guarantee nothing.
    autosave_interval: int = 5
    max_packet_size: int = 4 * 1024 * 1024


@dataclass
class Broker:
    """``Broker(dir).start()`` runs Mosquitto with its config, log and persistence in ``dir``."""

    dir: Path
    port: int = 0
    host: str = "127.0.0.1"
    persistence: bool = True
    limits: BrokerLimits = field(default_factory=BrokerLimits)
    # Lines appended to the generated config: password_file, acl_file, TLS listener, ...
    extra: str = ""
    allow_anonymous: bool = True
    _proc: subprocess.Popen | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.dir = Path(self.dir)
        if not self.port:
            self.port = free_port(self.host)

    @property
    def config_path(self) -> Path:
        return self.dir / "mosquitto.conf"

    @property
    def log_path(self) -> Path:
        return self.dir / "mosquitto.log"

    @property
    def persistence_path(self) -> Path:
        return self.dir / "mosquitto.db"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def config_text(self) -> str:
        lim = self.limits
        lines = [
            "# Generated; see sync/mosquitto.py for why each limit has its value.",
            f"listener {self.port} {self.host}",
            f"allow_anonymous {'true' if self.allow_anonymous else 'false'}",
            f"persistence {'true' if self.persistence else 'false'}",
            f"persistence_location {self.dir}/",
            "persistence_file mosquitto.db",
            f"autosave_interval {lim.autosave_interval}",
            f"max_queued_messages {lim.max_queued_messages}",
            f"max_queued_bytes {lim.max_queued_bytes}",
            f"max_inflight_messages {lim.max_inflight_messages}",
            f"max_packet_size {lim.max_packet_size}",
            "set_tcp_nodelay true",
            f"log_dest file {self.log_path}",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
            "connection_messages true",
            "log_timestamp_format %Y-%m-%dT%H:%M:%S",
        ]
        if os.geteuid() == 0:
            # Mosquitto started as root drops to user "mosquitto", who cannot write here.
            lines.append(f"user {getpass.getuser()}")
        if self.extra:
            lines.append(self.extra.strip())
        return "\n".join(lines) + "\n"

    def start(self, timeout: float = 10.0) -> "Broker":
        if self.running():
            return self
        self.dir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(self.config_text())
        with open(self.dir / "mosquitto.stderr", "ab") as err:
            self._proc = subprocess.Popen([MOSQUITTO, "-c", str(self.config_path)],
                                          stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise BrokerError(f"mosquitto exited with {self._proc.returncode}; see {self.dir}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise BrokerError(f"mosquitto did not listen on {self.host}:{self.port} within {timeout}s")

    def stop(self, timeout: float = 10.0) -> None:
        """A clean stop: Mosquitto writes its persistence file on the way out."""
        if not self._proc:
            return
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def kill(self) -> None:
        """SIGKILL: whatever changed since the last autosave is lost, as on a power cut."""
        if self._proc and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._proc = None

    def restart(self, *, hard: bool = False, wipe_persistence: bool = False) -> "Broker":
        self.kill() if hard else self.stop()
        if wipe_persistence:
            self.persistence_path.unlink(missing_ok=True)
        return self.start()

    def __enter__(self) -> "Broker":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
