"""The touchscreen's calls into the kiosk: every decision about a person lives in
``kiosk/`` (actions, visitors, ID numbers); the web gathers the volunteer's input,
calls here, and shows the result."""

from __future__ import annotations

import threading
from datetime import datetime

from kiosk import actions, daybook
from kiosk.visitors import VisitorError
from sync import idnumber


class Refused(ValueError):
    """The kiosk said no; ``reason`` is a catalogue key suffix, ``detail`` its own words."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason, self.detail = reason, detail


def today_entries(rt) -> list[dict]:
    """Today's entries, oldest first."""
    return rt.journal.entries_since(datetime.fromisoformat(daybook.local_midnight_utc_iso().replace("Z", "+00:00")))


def override(rt, entry_id: str, decision: str, reason: str, operator: str) -> dict:
    if not reason.strip():
        raise Refused("need_reason")
    try:
        entry = actions.override(rt.journal, entry_id, decision, reason, operator, gatekeeper=rt.gatekeeper,
                                 relay=rt.devices.relay, pulse_ms=rt.cfg.relay.pulse_ms)
    except actions.Settled as exc:
        raise Refused("settled", str(exc)) from None
    except actions.ActionError as exc:
        raise Refused("generic", str(exc)) from None
    rt.events.publish("decision", entry)
    return entry


def check_id_number(text: str) -> str:
    """The masked form of a valid resident ID number (GB 11643); Refused otherwise."""
    try:
        return idnumber.parse(text).masked
    except idnumber.IdNumberError as exc:
        raise Refused("id_number", str(exc)) from None


class IssuedPasses:
    """Day passes issued from this screen, kept in memory to show them again until
    they expire; the visitor photographs the pass, so a restart losing them is harmless."""

    def __init__(self, keep: int = 50) -> None:
        self.keep = keep
        self._passes: dict[str, dict] = {}
        self._lock = threading.Lock()

    def add(self, issued: dict) -> None:
        with self._lock:
            self._passes[issued["pass_id"]] = issued
            while len(self._passes) > self.keep:
                self._passes.pop(next(iter(self._passes)))

    def get(self, pass_id: str, now: float) -> dict | None:
        with self._lock:
            issued = self._passes.get(pass_id)
        return issued if issued and issued["valid_until"] >= now else None


def register_visitor(rt, answers: dict, operator: str) -> dict:
    """Record the answers (ID number only masked and hashed) and issue the day pass."""
    fields = dict(answers)
    if fields.get("id_number"):
        number = idnumber.parse(fields.pop("id_number"))
        fields["id_masked"] = number.masked
        fields["id_hash"] = number.keyed_hash(rt.gatekeeper.secret)
    fields.pop("id_number", None)
    try:
        day_pass = actions.register_visitor(rt.gatekeeper, fields, operator)
    except (VisitorError, actions.ActionError) as exc:
        raise Refused("generic", str(exc)) from None
    return {"pass_id": day_pass.pass_id, "text": day_pass.text, "valid_until": day_pass.valid_until,
            "name": fields["name"], "household": fields["going_to"],
            "declares_risk": bool(fields.get("contact") or fields.get("symptoms"))}
