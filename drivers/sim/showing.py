"""What the simulated readers share: who in the scenario holds what to a reader, once each."""

from __future__ import annotations

import threading
import time
from typing import Callable


def play(scenario, t0: float, loop: bool, field: str, show: Callable[[str], object], stop: threading.Event) -> None:
    """Call ``show`` with each person's ``field`` text ("scanner", "card", ...) as they
    arrive, once per arrival (and lap, when the scenario loops), until ``stop`` is set:
    a reader sends a code once and again only when it is shown anew."""
    shown: set[tuple[int, int]] = set()
    while not stop.wait(0.02):
        t, lap = time.monotonic() - t0, 0
        if loop and scenario.duration_s > 0:
            lap, t = divmod(t, scenario.duration_s)
        who = scenario.at(t)
        text = getattr(who, field, None) if who is not None else None
        if text and (int(lap), who.index) not in shown:
            shown.add((int(lap), who.index))
            show(text)
