"""People walking up to a kiosk on simulated devices at the kiosk's own pace.

A scenario on the clock puts each person in front of the camera for a fixed time; on a
loaded machine the kiosk may decide late, and a person gone before their temperature was
taken is referred, or missed. Here each person waits at the gate until their entry is
journaled, steps away, and the next one walks up once the gate is clear: the decisions
are the kiosk's to get right, whatever the machine's load."""

from __future__ import annotations

import time
from typing import Callable, Iterable

from drivers.sim.scenario import Arrival
from tests.waiting import wait_until

# Long enough for the thermometer to see the empty gate between two people (a reading of
# the room ends one person's run of readings), well past its 1 s gap limit.
CLEAR_S = 1.2


def walk_through(rt, arrivals: Iterable[Arrival], *, per_person_s: float = 60.0,
                 decided: Callable[[], int] | None = None) -> None:
    """Each person in turn: walks up, waits until decided, walks off. ``decided`` counts the
    decisions so far (default: the journal's last seq). The kiosk's config needs
    ``[sim] inbox``, which lets people join the scenario while it plays."""
    live = rt.devices.sim_world.scenario
    count = decided or rt.journal.last_seq
    for a in arrivals:
        before = count()
        person = live.walk_up(a)
        wait_until(lambda: count() > before, per_person_s,
                   lambda: f"a decision for person {a.index} ({(a.code or str(a.image))[:24]})")
        live.walk_off(person)
        time.sleep(CLEAR_S)
