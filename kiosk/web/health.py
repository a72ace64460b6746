"""The status bar: one item per part the gate depends on, each green or red with a
reason in plain words. A pure function of the runtime's status, so it is table-tested."""

from __future__ import annotations

from dataclasses import asdict, dataclass

BACKLOG_WARN = 100                   # entries not yet on the server
REGISTRY_STALE_S = 24 * 3600         # a registry older than a day may miss revocations
_GOOD_DEVICE = ("ok", "disabled")
_GOOD_SYNC = ("connected", "disabled")
_SYNC_STATES = ("starting", "connecting", "connected", "auth_failed", "tls_failed", "unreachable", "stopped", "disabled")


@dataclass(frozen=True)
class Item:
    key: str
    ok: bool
    text: str


def _age(seconds: float, t) -> str:
    if seconds < 60:
        return t("age.now")
    if seconds < 3600:
        return t("age.minutes", n=int(seconds // 60))
    if seconds < 86400:
        return t("age.hours", n=int(seconds // 3600))
    return t("age.days", n=int(seconds // 86400))


def items(status: dict, t) -> list[dict]:
    """``status`` as built by ``KioskRuntime.status()`` plus ``registry_age_s`` and
    ``clock_synced``; ``t`` translates a catalogue key."""
    out = []
    devices = status.get("devices", {})
    for key, device in (("camera", "camera"), ("thermometer", "thermometer"), ("gate", "relay")):
        state = devices.get(device, "error")
        out.append(Item(key, state in _GOOD_DEVICE, t(f"status.{state}")))

    sync = str(status.get("sync", "unreachable"))
    out.append(Item("broker", sync in _GOOD_SYNC,
                    t(f"status.sync_{sync}") if sync in _SYNC_STATES else t("status.offline")))

    backlog = int(status.get("backlog", 0))
    out.append(Item("backlog", backlog < BACKLOG_WARN,
                    str(backlog) if backlog < BACKLOG_WARN else t("status.backlog_high", n=backlog)))

    version, age = status.get("registry_version", 0), status.get("registry_age_s")
    if not version:
        out.append(Item("registry", False, t("status.registry_none")))
    elif age is not None and age > REGISTRY_STALE_S:
        out.append(Item("registry", False, t("status.registry_old", hours=int(age // 3600))))
    else:
        shown = _age(age, t) if age is not None else ""
        out.append(Item("registry", True, t("status.registry_version", version=version, age=shown).rstrip(" ·")))

    disk = status.get("disk") or {}
    level = disk.get("level", "ok")
    free = disk.get("free_mb", 0)
    out.append(Item("disk", level == "ok", t("status.ok") if level == "ok"
                    else t(f"status.disk_{level}", free=free, held=disk.get("held", 0))))

    # The screening badge: the mode this gate decides by now, always shown, never a fault.
    mode = status.get("screening")
    if mode:
        out.append(Item("screening", True, t(f"screening.{mode}")))

    synced = status.get("clock_synced")
    out.append(Item("clock", synced is not False,
                    t("status.clock_unsynced") if synced is False else t("status.clock_synced")))
    return [asdict(i) for i in out]
