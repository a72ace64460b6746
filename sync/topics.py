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
    pattern: str       # with {site} / {gate} / {collector} placeholders
    direction: str     # "kiosk->server" | "server->kiosk"
    qos: int
    retain: bool

    def format(self, site: str = "", gate: str = "", collector: str = "") -> str:
        return self.pattern.format(prefix=PREFIX, site=site, gate=gate, collector=collector)

    def wildcard(self) -> str:
        return self.pattern.format(prefix=PREFIX, site="+", gate="+", collector="+")

    def match(self, topic: str) -> dict[str, str] | None:
        rx = re.escape(self.pattern.format(prefix=PREFIX, site="\0S", gate="\0G", collector="\0C"))
        for mark, name in (("\0S", "site"), ("\0G", "gate"), ("\0C", "collector")):
            rx = rx.replace(re.escape(mark), rf"(?P<{name}>[^/]+)")
        m = re.fullmatch(rx, topic)
        return m.groupdict() if m else None


ENTRIES = Topic("entries", "{prefix}/{site}/{gate}/entries", "kiosk->server", 1, False)
ACK = Topic("ack", "{prefix}/{site}/{gate}/ack", "server->kiosk", 1, False)
STATUS = Topic("status", "{prefix}/{site}/{gate}/status", "kiosk->server", 1, True)
REGISTRY = Topic("registry", "{prefix}/{site}/registry", "server->kiosk", 1, True)
# A collector says "online" once it has subscribed, and its last will says "offline": a
# kiosk sends its unacked window again the moment one comes (back) online. Two levels
# under the prefix, so no {site}/{gate}/... filter (the collector's own) matches it.
COLLECTOR = Topic("collector", "{prefix}/collectors/{collector}", "server->kiosk", 1, True)

ALL = (ENTRIES, ACK, STATUS, REGISTRY, COLLECTOR)
SHARED_GROUP = "collectors"

# Site and gate ids become topic levels and ACL patterns, so they may hold nothing MQTT
# gives a meaning to (/, +, #) and nothing a broker's ACL file would misread.
_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
NAME_RULE = "1-64 letters, digits, '-' or '_'"


def is_name(value: object) -> bool:
    """Whether ``value`` may be a site or gate id (a level of every topic)."""
    # fullmatch: "$" would let a trailing newline through, into an ACL file line.
    return isinstance(value, str) and _NAME.fullmatch(value) is not None


def check_name(value: str) -> str:
    """``value`` if it may be a site or gate id, else ValueError saying the rule (a
    pydantic validator as it is)."""
    if not is_name(value):
        raise ValueError(f"use {NAME_RULE} (it becomes part of MQTT topics)")
    return value


def shared(topic: Topic) -> str:
    """The shared-subscription filter collectors use to split the load."""
    return f"$share/{SHARED_GROUP}/{topic.wildcard()}"


def route(topic: str) -> tuple[Topic, dict[str, str]] | None:
    for t in ALL:
        params = t.match(topic)
        if params is not None:
            return t, params
    return None
