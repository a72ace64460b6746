"""What the simulated readers share: who in the scenario holds what to a reader, once each."""

from __future__ import annotations

import threading
import time
from typing import Callable


class ScenarioPlayer:
    """A simulated reader's scenario, played on a thread of its own: ``start`` and
    ``stop_playing``; the reader defines ``show(text)``."""

    def __init__(self, scenario, t0: float | None, *, loop: bool, field: str, thread_name: str) -> None:
        self.scenario, self.loop, self.field = scenario, loop, field
        self.t0 = time.monotonic() if t0 is None else t0
        self._thread_name = thread_name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def show(self, text: str) -> float:
        raise NotImplementedError

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self._thread_name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        if self.scenario is not None:
            play(self.scenario, self.t0, self.loop, self.field, self.show, self._stop)

    def stop_playing(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)


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
