"""What a volunteer does at the touchscreen, without the touchscreen: override a
decision, register a visitor. Each returns what it journaled or made; the web UI
only calls these.
"""

from __future__ import annotations

from datetime import datetime, timezone

from drivers.relay import Relay
from kiosk.gatekeeper import Gatekeeper
from kiosk.journal import AlreadySettled, Journal
from kiosk.visitors import DayPass, VisitorAnswers, end_of_day, make_day_pass
from sync.idnumber import mask_in_text

OVERRIDABLE = ("deny", "refer")


class ActionError(ValueError):
    """The action cannot be done; the message says why, for the volunteer."""


class Settled(ActionError):
    """The entry was settled already (overridden once): it is never settled again."""


def override(journal: Journal, entry_id: str, decision: str, reason: str, operator: str, *,
             gatekeeper: Gatekeeper | None = None, relay: Relay | None = None, pulse_ms: int = 1500) -> dict:
    """Journal a volunteer's decision over a ``refer`` or ``deny``, linked by ``ref``.

    The first entry stays as it was; the override is its own entry. On ``admit`` the
    gate opens after the entry is durable, as for any admit.
    """
    # Free text never keeps an ID number in clear: a volunteer may type one as a reason.
    reason, operator = mask_in_text((reason or "").strip())[0], mask_in_text((operator or "").strip())[0]
    if decision not in ("admit", "deny", "refer"):
        raise ActionError(f"decision {decision!r}: one of admit, deny, refer")
    if not reason:
        raise ActionError("an override needs a reason")
    if not operator:
        raise ActionError("an override needs the volunteer's name")
    first = journal.get(entry_id)
    if first is None:
        raise ActionError(f"no entry {entry_id}")
    if first["decision"] not in OVERRIDABLE:
        raise ActionError(f"entry {first['seq']} was {first['decision']}: only deny or refer can be overridden")
    try:
        entry = journal.append_settlement({
            "direction": first["direction"],
            "credential": first.get("credential"),
            "temperature": first.get("temperature"),
            "decision": decision,
            "reasons": ["override"],
            "alert": False,
            "operator": {"name": operator[:64], "reason": reason[:500]},
            "visitor": first.get("visitor"),
            "ref": first["id"],
        })
    except AlreadySettled:
        raise Settled(f"entry {first['seq']} was settled already") from None
    if gatekeeper is not None:
        gatekeeper.passed(entry, datetime.now(timezone.utc))
    if decision == "admit" and relay is not None:
        relay.pulse(pulse_ms)
    return entry


def register_visitor(gatekeeper: Gatekeeper, answers: dict | VisitorAnswers, operator: str, *,
                     pass_id: str | None = None, now: datetime | None = None) -> DayPass:
    """Record a visitor's answers and return their day pass (valid to local midnight).

    ``pass_id`` links the answers to a community visitor pass instead of a new day pass.
    Raises VisitorError naming the first answer that is missing or wrong.
    """
    asked = gatekeeper.declaration()
    if isinstance(answers, VisitorAnswers):
        answers = answers.model_dump(exclude_none=True)
    answers = VisitorAnswers.parse({**answers, "questions_version": asked.version}, asked.questions)
    if not (operator or "").strip():
        raise ActionError("a registration needs the volunteer's name")
    now = now or datetime.now(timezone.utc)
    until = end_of_day(now, gatekeeper.registry.current.rules.timezone)
    pid = gatekeeper.book.register(answers, mask_in_text(operator.strip())[0][:64], until, pass_id)
    return make_day_pass(gatekeeper.secret, pid, int(until.timestamp()))
