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
from kiosk.policy import Decision, PolicyRules, Remeasure, decide
from kiosk.registry import RegistryStore
from kiosk.temperature import TemperatureResult
from kiosk.visitors import VisitorBook
from sync.screening import Screening


@dataclass(frozen=True)
class Asked:
    version: int
    questions: tuple[str, ...]


@dataclass
class Judgement:
    assessment: Assessment
    decision: Decision | Remeasure


class Gatekeeper:
    def __init__(self, cfg, registry: RegistryStore, *, journal=None) -> None:
        state = Path(cfg.kiosk.state_dir)
        self.site = cfg.kiosk.site
        self.direction = cfg.kiosk.direction
        self.policy_cfg, self.offset_c = cfg.policy, cfg.thermometer.offset_c
        self.registry = registry
        self.secret = kiosk_secret.load_or_create(state)
        self.book = VisitorBook(state / "visitors.sqlite3")
        self.passback = PassbackTracker(timedelta(hours=cfg.policy.passback_window_h))
        if journal is not None:
            self.passback.replay(journal.entries_since(datetime.now().astimezone() - self.passback.window))

    def close(self) -> None:
        self.book.close()

    def screening(self) -> Screening:
        """The screening this gate runs now (the registry can change it at any moment)."""
        return effective_screening(self.registry.current.rules.screening, self.policy_cfg, self.offset_c)

    def declaration(self) -> Asked:
        """What a visitor registering now is asked, and the version of those questions."""
        d = self.registry.current.rules.visitor_questions
        return Asked(d.version, d.questions(self.screening().mode))

    @property
    def rules(self) -> PolicyRules:
        return policy_rules(self.screening(), self.policy_cfg)

    def assess(self, text: str, code_type: str, now: datetime) -> Assessment:
        cred = credentials.parse(text, code_type)
        return credentials.assess(cred, self.registry.current, now, self.secret, site=self.site, book=self.book,
                                  asked=self.declaration().questions)

    def judge(self, text: str, code_type: str, temp: TemperatureResult, now: datetime, *,
              direction: str | None = None, remeasured: bool = False,
              rules: PolicyRules | None = None) -> Judgement:
        direction = direction or self.direction
        a = self.assess(text, code_type, now)
        d = decide(a, temp, direction=direction, now=now, rules=rules or self.rules, site=self.registry.current.rules,
                   inside_already=self.passback.inside(a.subject, now), remeasured=remeasured)
        return Judgement(a, d)

    def passed(self, entry: dict, now: datetime) -> None:
        """Tell anti-passback about a journaled entry."""
        if entry.get("decision") == "admit":
            self.passback.record(subject_of(entry.get("credential")), entry.get("direction", "in"), now)


def effective_screening(site: Screening, policy, offset_c: float) -> Screening:
    """The site's screening with this kiosk's config filled in: the config's ``[policy]
    screening`` fixes the mode when it is not "site"; the site's threshold, re-measure rule
    and offset stand in for the kiosk's own when the office set them."""
    return Screening(mode=site.mode if policy.screening == "site" else policy.screening,
                     fever_c=policy.fever_c if site.fever_c is None else site.fever_c,
                     remeasure=policy.remeasure if site.remeasure is None else site.remeasure,
                     offset_c=offset_c if site.offset_c is None else site.offset_c)


def policy_rules(screening: Screening, policy) -> PolicyRules:
    return PolicyRules(fever_c=screening.fever_c, remeasure=screening.remeasure,
                       anti_passback=policy.anti_passback, screening=screening.mode)
