"""Every setting of the community server, declared once with its default and check.

``config/server.toml`` documents each key for people; this module is the authority for
programs. Same rules as the kiosk's config: unknown keys are errors, reported with the
file and key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from sync.configfile import ConfigError, Section, load_model, model_from_dict, resolve_relative
from sync.server.console.config import ConsoleSection
from sync.server.notify.config import NotifySection
from sync.server.report.config import ReportsSection
from sync.server.visitors.config import VisitorsSection

__all__ = ["ServerConfig", "ConfigError", "load", "from_dict"]


class ServerSection(Section):
    state_dir: Path = Field(Path("server-state"), description="Directory for the database, keys and logs")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class StorageSection(Section):
    type: Literal["sqlite", "postgres"] = Field("sqlite", description="sqlite: one file, one community; "
                                                "postgres: many communities, several collectors")
    sqlite_path: Path | None = Field(None, description="SQLite file (default: <state_dir>/server.sqlite3)")
    postgres_dsn: str | None = Field(None, description="libpq connection string, e.g. 'host=db dbname=checkpoint user=...'")


class MQTTSection(Section):
    host: str = Field("127.0.0.1", description="Broker host name or address")
    port: int = Field(1883, ge=1, le=65535, description="Broker TCP port")
    username: str | None = Field(None, description="The server's broker user name")
    password: str | None = Field(None, description="The server's broker password")
    ca_file: Path | None = Field(None, description="CA certificate; setting it turns TLS on")
    cert_file: Path | None = Field(None, description="Client certificate (PEM), when the broker wants one")
    key_file: Path | None = Field(None, description="Private key of the client certificate (PEM)")
    client_id: str | None = Field(None, description="MQTT client id, fixed so the broker keeps this collector's "
                                  "session across restarts (default: collector-<host>-<hash of state_dir>)")
    session_expiry_s: int = Field(600, ge=0, le=7 * 24 * 3600,
                                  description="How long the broker queues batches for this collector while "
                                  "it is away, s (0: no persistent session)")
    max_batch_bytes: int = Field(4 * 1024 * 1024, ge=1024, le=64 * 1024 * 1024,
                                 description="Largest entries message accepted, bytes")
    commit_max_messages: int = Field(200, ge=1, le=10000,
                                     description="Most messages stored in one database transaction")


class HTTPSection(Section):
    enabled: bool = Field(True, description="Serve the HTTP API")
    host: str = Field("127.0.0.1", description="Address the HTTP API listens on")
    port: int = Field(8090, ge=0, le=65535, description="TCP port of the HTTP API (0: any free port)")
    api_token: str | None = Field(None, description="Bearer token that lets scripts use the API; "
                                     "unset: only console logins")
    threads: int = Field(8, ge=1, le=64, description="Request threads")


class RegistrySection(Section):
    key_file: Path | None = Field(None, description="Ed25519 private key signing the registry "
                                  "(default: <state_dir>/registry-key.pem, created on first use)")
    key_id: str = Field("server-1", description="Key id the kiosks know this key by")


class ServerConfig(Section):
    server: ServerSection = ServerSection()
    storage: StorageSection = StorageSection()
    mqtt: MQTTSection = MQTTSection()
    http: HTTPSection = HTTPSection()
    registry: RegistrySection = RegistrySection()
    console: ConsoleSection = ConsoleSection()
    notify: NotifySection = NotifySection()
    reports: ReportsSection = ReportsSection()
    visitors: VisitorsSection = VisitorsSection()

    def resolve_paths(self, base: Path) -> None:
        resolve_relative(base, ((self.server, "state_dir"), (self.storage, "sqlite_path"), (self.mqtt, "ca_file"),
                                (self.mqtt, "cert_file"), (self.mqtt, "key_file"), (self.registry, "key_file"),
                                (self.console, "pass_key_file"), (self.reports, "folder")))

    @property
    def sqlite_path(self) -> Path:
        return self.storage.sqlite_path or self.server.state_dir / "server.sqlite3"

    @property
    def registry_key_path(self) -> Path:
        return self.registry.key_file or self.server.state_dir / "registry-key.pem"

    @property
    def pass_key_path(self) -> Path:
        return self.console.pass_key_file or self.server.state_dir / "pass-key.pem"


def load(path: str | Path) -> ServerConfig:
    return load_model(ServerConfig, path)


def from_dict(data: dict, source: str = "<config>") -> ServerConfig:
    return model_from_dict(ServerConfig, data, source)
