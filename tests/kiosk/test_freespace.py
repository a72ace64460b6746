"""The free-space monitor's levels, from the table and from a real small disk."""

from __future__ import annotations

import os

import pytest

from kiosk.freespace import FreeSpaceMonitor, level_for

MB = 1024 * 1024


@pytest.mark.parametrize("free, held, level", [
    (500 * MB, 0, "ok"),
    (200 * MB, 0, "warn"),
    (150 * MB, 0, "warn"),
    (20 * MB, 0, "critical"),
    (0, 0, "critical"),
    (500 * MB, 3, "full"),      # entries waiting in memory: the disk refused a write
])
def test_level_for(free, held, level):
    assert level_for(free, 200 * MB, 20 * MB, held) == level


def test_a_filling_disk_is_said_before_it_is_full_and_once_per_change(small_disk, fill_disk):
    changes = []
    monitor = FreeSpaceMonitor(small_disk, warn_free_mb=0.5, critical_free_mb=0.1, check_every_s=0,
                               on_change=changes.append)
    assert monitor.level == "ok"
    filler = fill_disk()
    monitor.update()
    monitor.update()
    assert [c["level"] for c in changes] == ["critical"]
    monitor.update(held=2, dropped=1)
    assert changes[-1] == {"level": "full", "free_mb": monitor.status()["free_mb"], "held": 2, "dropped": 1}
    os.unlink(filler)
    monitor.update()
    assert (monitor.level, monitor.held, monitor.dropped) == ("ok", 0, 0)
    assert [c["level"] for c in changes] == ["critical", "full", "ok"]


def test_it_measures_at_most_once_per_period(tmp_path):
    monitor = FreeSpaceMonitor(tmp_path, check_every_s=3600)
    assert monitor.due() is True
    assert monitor.due() is False
