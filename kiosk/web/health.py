"""The status bar: one item per part the gate depends on, each with a severity and, when
something is wrong, a reason in plain words that do not repeat the item's name. A pure
function of the runtime's status, so it is table-tested.

Severity: ``stop`` for what stops the gate (a banner as well as the item), ``warn`` for
what a volunteer should know about (amber), ``info`` for plain figures (grey), ``ok``.
A server or broker outage is a warning, never a stop: the gate works on alone. The
screening mode is a grey badge, never a fault.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

REGISTRY_STALE_S = 24 * 3600         # a registry older than a day may miss revocations
_DEVICE_FAULTS = ("absent", "stale", "error")
# A camera or gate relay that fails stops the gate; a thermometer does not (a handheld
# reading stands in), so it is a warning, said on the big card.
_FAULT_LEVEL = {"camera": "stop", "thermometer": "warn", "gate": "stop"}
_SYNC_STATES = ("starting", "connecting", "connected", "auth_failed", "tls_failed", "unreachable", "stopped",
                "disabled")


@dataclass(frozen=True)
class Item:
    key: str
    level: str
    text: str

    @property
    def ok(self) -> bool:
        return self.level in ("ok", "info")


def _age(seconds: float, t) -> str:
    if seconds < 60:
        return t("age.now")
    if seconds < 3600:
        return t("age.minutes", n=int(seconds // 60))
    if seconds < 86400:
        return t("age.hours", n=int(seconds // 3600))
    return t("age.days", n=int(seconds // 86400))


def _devices(status: dict, t) -> list[Item]:
    out = []
    devices = status.get("devices", {})
    for key, device in (("camera", "camera"), ("thermometer", "thermometer"), ("gate", "relay")):
        state = devices.get(device, "error")
        level = _FAULT_LEVEL[key] if state in _DEVICE_FAULTS else "info" if state in ("disabled", "starting") else "ok"
        out.append(Item(key, level, t(f"status.{state}")))
    return out


def _readers(status: dict, t) -> list[Item]:
    # A reader beside the camera is one more way in, never the only one: a warning, and
    # only when one is faulty (the bar stays short).
    faulty = [f"{name}: {t(f'status.{state}')}" for name, state in (status.get("readers") or {}).items()
              if state in _DEVICE_FAULTS]
    return [Item("reader", "warn", " · ".join(faulty))] if faulty else []


def _sync(status: dict, t, backlog_warn: int) -> list[Item]:
    sync = str(status.get("sync", "unreachable"))
    backlog = int(status.get("backlog", 0))
    text = t(f"status.sync_{sync}") if sync in _SYNC_STATES else t("status.offline")
    if sync in ("connected", "disabled"):
        broker = Item("broker", "ok" if sync == "connected" else "info", text)
    else:
        broker = Item("broker", "warn", f"{text} · {t('status.unsent', n=backlog)}" if backlog else text)
    level = "warn" if backlog >= backlog_warn else "info" if backlog else "ok"
    return [broker, Item("backlog", level, str(backlog))]


def _registry(status: dict, t) -> Item:
    version, age = status.get("registry_version", 0), status.get("registry_age_s")
    if not version:
        return Item("registry", "warn", t("status.registry_none"))
    if age is not None and age > REGISTRY_STALE_S:
        return Item("registry", "warn", t("status.registry_old", hours=int(age // 3600)))
    shown = _age(age, t) if age is not None else ""
    return Item("registry", "ok", t("status.registry_version", version=version, age=shown).rstrip(" ·"))


def _disk(status: dict, t) -> Item:
    disk = status.get("disk") or {}
    level = disk.get("level", "ok")
    if level == "ok":
        return Item("disk", "ok", t("status.ok"))
    # Full: entries wait in memory, and a restart would lose them.
    return Item("disk", "stop" if level == "full" else "warn",
                t(f"status.disk_{level}", free=disk.get("free_mb", 0), held=disk.get("held", 0)))


def _screening(status: dict, t) -> list[Item]:
    # The badge: the mode this gate decides by now, always shown (grey, so a narrow screen
    # keeps it too), never a fault.
    mode = status.get("screening")
    return [Item("screening", "info", t(f"screening.{mode}"))] if mode else []


def items(status: dict, t, backlog_warn: int = 100) -> list[dict]:
    """``status`` as built by ``KioskRuntime.status()``; ``t`` translates a catalogue key;
    ``backlog_warn`` is ``[ui] backlog_warn``."""
    synced = status.get("clock_synced")
    clock = Item("clock", "warn", t("status.clock_unsynced")) if synced is False \
        else Item("clock", "ok", t("status.clock_synced"))
    out = [*_devices(status, t), *_readers(status, t), *_sync(status, t, backlog_warn), _registry(status, t), _disk(status, t),
           *_screening(status, t), clock]
    return [{**asdict(i), "ok": i.ok} for i in out]
