"""People who walk up while the simulation runs: a TOML file dropped into the inbox
directory is one ``[[person]]`` of the scenario format (without ``at_s``), arriving
the moment it is seen. Tests and demos use it to hold up a code made at run time,
such as a visitor pass just issued on the touchscreen.

    # inbox/visitor.toml
    image = "/tmp/pass.png"
    temperature_c = 36.5

The file is removed once read; a file that is not a valid person is renamed ``*.bad``.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import tomllib
from pathlib import Path

from drivers.sim.scenario import Arrival, Scenario, ScenarioError

log = logging.getLogger(__name__)


class LiveScenario:
    """A scenario plus people added while it plays, on the same clock."""

    def __init__(self, scenario: Scenario, t0: float) -> None:
        self.scenario, self.t0 = scenario, t0
        self._late: list[Arrival] = []
        self._lock = threading.Lock()

    @property
    def arrivals(self) -> tuple[Arrival, ...]:
        with self._lock:
            return self.scenario.arrivals + tuple(self._late)

    @property
    def duration_s(self) -> float:
        return self.scenario.duration_s

    def add(self, arrival: Arrival) -> None:
        with self._lock:
            self._late.append(arrival)

    def walk_up(self, arrival: Arrival) -> Arrival:
        """This person arrives now and stays until ``walk_off``: someone who waits at the gate
        until it has decided, however long that takes."""
        person = dataclasses.replace(arrival, at_s=time.monotonic() - self.t0, show_s=float("inf"))
        self.add(person)
        return person

    def walk_off(self, person: Arrival) -> None:
        """The person who walked up steps away now."""
        now = time.monotonic() - self.t0
        with self._lock:
            self._late = [dataclasses.replace(a, show_s=now - a.at_s) if a is person else a for a in self._late]

    def at(self, t: float) -> Arrival | None:
        # Late arrivals live on the unlooped clock, so they work when the scenario loops.
        now = time.monotonic() - self.t0
        with self._lock:
            late = [a for a in self._late if a.at_s <= now < a.leaves_s]
        return late[-1] if late else self.scenario.at(t)


class Inbox:
    def __init__(self, directory: Path, live: LiveScenario, poll_s: float = 0.05) -> None:
        self.directory, self.live, self.poll_s = Path(directory), live, poll_s
        self.directory.mkdir(parents=True, exist_ok=True)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sim-inbox", daemon=True)
        self._count = 0

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.poll_s):
            for path in sorted(self.directory.glob("*.toml")):
                self._take(path)

    def _take(self, path: Path) -> None:
        try:
            data = tomllib.loads(path.read_text("utf-8"))
            data.pop("at_s", None)
            person = Scenario.from_dict({"person": [data]}, str(path), base=path.parent).arrivals[0]
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ScenarioError) as exc:
            log.warning("sim inbox: %s is not a person: %s", path, exc)
            path.rename(path.with_suffix(".bad"))
            return
        path.unlink(missing_ok=True)
        self._count += 1
        now = time.monotonic() - self.live.t0
        self.live.add(dataclasses.replace(person, index=10_000 + self._count, at_s=now))
        log.info("sim inbox: %s arrives", person.code or person.image or person.scanner or "a card")

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
