"""Device health, shared by every driver, read by the UI and the status topic."""

from __future__ import annotations

import enum


class DeviceState(str, enum.Enum):
    OK = "ok"                # delivering fresh data
    STARTING = "starting"    # opening, first data not yet seen
    STALE = "stale"          # open, but data stopped arriving
    ABSENT = "absent"        # not there (unplugged, wrong path); retrying with back-off
    ERROR = "error"          # there, but failing (bad frames, checksum errors)
    DISABLED = "disabled"    # not configured

    @property
    def usable(self) -> bool:
        return self in USABLE_STATES


USABLE_STATES = frozenset({DeviceState.OK})
PROBLEM_STATES = frozenset({DeviceState.STALE, DeviceState.ABSENT, DeviceState.ERROR})
