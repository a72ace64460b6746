"""The MQTT contract, version 1: the one table of topics. Subscriptions and routing
derive from it. Every payload is a JSON object carrying ``"v": 1``."""

from __future__ import annotations

import re
from dataclasses import dataclass

VERSION = 1
PREFIX = f"checkpoint/v{VERSION}"


@dataclass(frozen=True)
class Topic:
    name: str          # short name used in code
    pattern: str       # with {site} / {gate} placeholders
    direction: str     # "kiosk->server" | "server->kiosk"
    qos: int
    retain: bool

    def format(self, site: str, gate: str = "") -> str:
        return self.pattern.format(prefix=PREFIX, site=site, gate=gate)

    def wildcard(self) -> str:
        return self.pattern.format(prefix=PREFIX, site="+", gate="+")

    def match(self, topic: str) -> dict[str, str] | None:
        rx = re.escape(self.pattern.format(prefix=PREFIX, site="\0S", gate="\0G"))
        rx = rx.replace(re.escape("\0S"), r"(?P<site>[^/]+)").replace(re.escape("\0G"), r"(?P<gate>[^/]+)")
        m = re.fullmatch(rx, topic)
        return m.groupdict() if m else None


ENTRIES = Topic("entries", "{prefix}/{site}/{gate}/entries", "kiosk->server", 1, False)
ACK = Topic("ack", "{prefix}/{site}/{gate}/ack", "server->kiosk", 1, False)
STATUS = Topic("status", "{prefix}/{site}/{gate}/status", "kiosk->server", 1, True)
REGISTRY = Topic("registry", "{prefix}/{site}/registry", "server->kiosk", 1, True)

ALL = (ENTRIES, ACK, STATUS, REGISTRY)
SHARED_GROUP = "collectors"


def shared(topic: Topic) -> str:
    """The shared-subscription filter collectors use to split the load."""
    return f"$share/{SHARED_GROUP}/{topic.wildcard()}"


def route(topic: str) -> tuple[Topic, dict[str, str]] | None:
    for t in ALL:
        params = t.match(topic)
        if params is not None:
            return t, params
    return None
