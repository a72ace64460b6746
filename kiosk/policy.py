"""Who may pass: one decision per person, with machine-readable reason codes.

``decide`` is a pure function of what the credential check found (kiosk/credentials.py),
the temperature, the direction, the site's rules and whether the holder is already
inside. Each reason code has a fixed severity (sync/vocabulary.py, which the console's
filters read too) and a message in Chinese and English. The worst severity wins: deny
over refer over admit.

How the temperature counts follows the site's screening mode (sync/screening.py), an
input like the rest: in ``enforce`` a fever or a misread temperature first asks for one
more measurement: ``decide`` returns a ``Remeasure``, not a ``Decision``, so it never
becomes an entry; the checkpoint measures again and decides with ``remeasured=True``.
In ``record`` a fever admits with an alert and marks the entry, as does a missing
reading (without the alert). In ``off`` the temperature, if any, is only recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kiosk.credentials import Assessment
from kiosk.registry import Rules
from kiosk.temperature import TemperatureResult
from sync.entry import DECISIONS
from sync.screening import ENFORCE, RECORD, Mode
from sync.vocabulary import ALERT_ON_DENY, ALWAYS_ALERT, DENY, REFER, SEVERITY


@dataclass(frozen=True)
class PolicyRules:
    """The kiosk's own settings (config [policy]); the site's come with the registry."""

    fever_c: float = 37.3
    remeasure: bool = True
    anti_passback: str = "refer"        # "deny" | "refer" | "off"
    screening: Mode = ENFORCE           # sync/screening.py: off | record | enforce


@dataclass(frozen=True)
class Decision:
    decision: str                       # "admit" | "deny" | "refer": what the entry says
    reasons: tuple[str, ...] = field(default_factory=tuple)
    alert: bool = False                 # tell the server's administrators at once

    def __post_init__(self):
        if self.decision not in DECISIONS:
            raise ValueError(f"decision {self.decision!r} is not one of {', '.join(DECISIONS)}")


@dataclass(frozen=True)
class Remeasure:
    """Not yet a decision: take the temperature once more, then decide with
    ``remeasured=True``. Nothing is journaled for it."""

    reasons: tuple[str, ...]            # ("fever",) or ("misread_temperature",)


def decide(a: Assessment, temp: TemperatureResult, *, direction: str, now: datetime,
           rules: PolicyRules = PolicyRules(), site: Rules = Rules(), inside_already: bool = False,
           remeasured: bool = False) -> Decision | Remeasure:
    reasons = list(a.problems)
    notes = []
    trusted = a.signature in (None, "ok") and not any(r in reasons for r in ("malformed_pass", "malformed_code"))
    if trusted and a.quarantine is not None:
        if direction == "out":
            reasons.append("quarantine_exit")
        else:
            notes.append("quarantine_return")
    if trusted and direction == "in" and inside_already and rules.anti_passback != "off":
        reasons.append("passback")
    if trusted and a.role and not site.allowed_at(a.role, now):
        reasons.append("outside_hours")

    fever = temp.status == "ok" and temp.value_c is not None and temp.value_c >= rules.fever_c
    if rules.screening == ENFORCE:
        if fever or temp.status == "misread":
            others_deny = any(_severity(r, rules) == DENY for r in reasons)
            if rules.remeasure and not remeasured and not others_deny:
                return Remeasure(("fever",) if fever else ("misread_temperature",))
            reasons.append("fever" if fever else "misread_temperature")
        elif temp.status == "none":
            reasons.append("no_temperature")
    elif rules.screening == RECORD:
        if fever:
            reasons.append("fever_recorded")
        elif temp.status != "ok":
            reasons.append("no_temperature_recorded")

    severities = {_severity(r, rules) for r in reasons}
    decision = DENY if DENY in severities else REFER if REFER in severities else "admit"
    ordered = sorted(dict.fromkeys(reasons), key=lambda r: _severity(r, rules) != DENY)
    alert = (decision == DENY and any(r in ALERT_ON_DENY for r in ordered)) or any(r in ALWAYS_ALERT for r in ordered)
    return Decision(decision, tuple(ordered + notes), alert)


def _severity(reason: str, rules: PolicyRules) -> str:
    if reason == "passback":
        return DENY if rules.anti_passback == "deny" else REFER
    return SEVERITY.get(reason, REFER)
