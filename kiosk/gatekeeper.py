"""The kiosk's judgement in one place: parse and check a code, then ask the policy.

Holds what the judgement needs from the kiosk's state — the registry it keeps, its
secret, the visitor book and who is inside — so the checkpoint loop, ``kiosk verify``
and the touchscreen's actions all judge the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from kiosk import credentials, secret as kiosk_secret
from kiosk.credentials import Assessment
from kiosk.passback import PassbackTracker, subject_of
from kiosk.policy import Decision, PolicyRules, decide
from kiosk.registry import RegistryStore
from kiosk.temperature import TemperatureResult
from kiosk.visitors import VisitorBook


@dataclass
class Judgement:
    assessment: Assessment
    decision: Decision


class Gatekeeper:
    def __init__(self, cfg, registry: RegistryStore, *, journal=None) -> None:
        state = Path(cfg.kiosk.state_dir)
        self.site = cfg.kiosk.site
        self.direction = cfg.kiosk.direction
        self.rules = PolicyRules(fever_c=cfg.policy.fever_c, remeasure=cfg.policy.remeasure,
                                 anti_passback=cfg.policy.anti_passback)
        self.registry = registry
        self.secret = kiosk_secret.load_or_create(state)
        self.book = VisitorBook(state / "visitors.sqlite3")
        self.passback = PassbackTracker(timedelta(hours=cfg.policy.passback_window_h))
        if journal is not None:
            self.passback.replay(journal.entries_since(datetime.now().astimezone() - self.passback.window))

    def close(self) -> None:
        self.book.close()

    def assess(self, text: str, code_type: str, now: datetime) -> Assessment:
        cred = credentials.parse(text, code_type)
        return credentials.assess(cred, self.registry.current, now, self.secret, site=self.site, book=self.book)

    def judge(self, text: str, code_type: str, temp: TemperatureResult, now: datetime, *,
              direction: str | None = None, remeasured: bool = False) -> Judgement:
        direction = direction or self.direction
        a = self.assess(text, code_type, now)
        d = decide(a, temp, direction=direction, now=now, rules=self.rules, site=self.registry.current.rules,
                   inside_already=self.passback.inside(a.subject, now), remeasured=remeasured)
        return Judgement(a, d)

    def passed(self, entry: dict, now: datetime) -> None:
        """Tell anti-passback about a journaled entry."""
        if entry.get("decision") == "admit":
            self.passback.record(subject_of(entry.get("credential")), entry.get("direction", "in"), now)
