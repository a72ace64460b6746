"""The visitor page's settings: the ``[visitors]`` section of the server's config file."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from sync.configfile import Section

_LISTEN = re.compile(r"^(?P<host>[0-9A-Za-z.:\[\]-]+):(?P<port>\d{1,5})$")


class VisitorsSection(Section):
    enabled: bool = Field(True, description="Serve the public visitor page at /v/")
    public_url: str | None = Field(None, description="The page's address as visitors reach it, printed on the "
                                   "gate posters, e.g. 'https://visit.example.org/v/' (default: as requested)")
    listen: str | None = Field(None, description="'host:port' of a listener of its own for the visitor page "
                               "alone, so it can face the internet while the console stays inside "
                               "(default: served with the console on [http])")
    retention_days: int = Field(28, ge=1, le=365, description="Declarations are deleted this many days "
                                "after they were made; the entries keep their pass id")
    per_ip_per_hour: int = Field(5, ge=1, le=10000, description="Registrations one IP address may send an hour")
    per_phone_per_hour: int = Field(5, ge=1, le=10000, description="Registrations one phone number may make an hour")
    trusted_proxies: int = Field(0, ge=0, le=5, description="Reverse proxies in front that set X-Forwarded-For "
                                 "(0: the client address is the connection's)")

    @field_validator("listen")
    @classmethod
    def _host_port(cls, v: str | None) -> str | None:
        if v is not None:
            m = _LISTEN.match(v)
            if not m or not 0 <= int(m["port"]) <= 65535:
                raise ValueError(f"{v!r}: use host:port, e.g. 0.0.0.0:8091")
        return v

    @field_validator("public_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://[^\s/]+(/\S*)?$", v):
            raise ValueError(f"{v!r}: an http:// or https:// address")
        return v

    @property
    def listen_address(self) -> tuple[str, int] | None:
        if self.listen is None:
            return None
        host, port = self.listen.rsplit(":", 1)
        return host.strip("[]"), int(port)
