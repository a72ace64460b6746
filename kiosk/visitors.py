"""Visitors: a volunteer registers each one (name, phone, the household visited and, while
the site screens, where from, where going, contact with confirmed cases, symptoms) and
the kiosk hands back a day pass that only this kiosk accepts. Entries made with that
pass carry the answers.

The day pass is ``CPV1:`` + base45 of ``pass id (8) || valid-until u32 || HMAC-SHA256
truncated to 16 bytes``, keyed with the kiosk's own secret (kiosk/secret.py).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import struct
import threading
from dataclasses import dataclass
from datetime import datetime, time as dtime, timedelta, timezone
from pathlib import Path

import base45
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sync.idnumber import find_in_text
from sync.privatefile import private_database

PREFIX = "CPV1:"
_TAG_LEN = 16
_RAW_LEN = 8 + 4 + _TAG_LEN


class VisitorError(ValueError):
    pass


class VisitorAnswers(BaseModel):
    """The registration answers. Who and whom they visit are always asked (the name may stay
    empty: a gate has no keyboard); the rest as the site's declaration asks in the screening
    mode of the day (sync/screening.py), and ``questions_version`` names the set of questions
    they answered."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    name: str = Field("", max_length=40, description="Optional: typed only where a keyboard is attached")
    phone: str = Field(pattern=r"^\+?[0-9 -]{5,20}$")
    going_to: str = Field(min_length=1, max_length=80, description="Household or place visited")
    coming_from: str | None = Field(None, min_length=1, max_length=80, description="Where the visitor comes from")
    contact: bool | None = Field(None, description="Contact with a confirmed case in the last 14 days")
    symptoms: bool | None = Field(None, description="Fever, cough or other symptoms")
    questions_version: int | None = Field(None, ge=1, description="The version of the questions answered; "
                                          "none: registered before the questions were versioned")
    heading_to: str | None = Field(None, max_length=80, description="Where the visitor goes afterwards")
    # The ID number is never kept in clear: its masked form to show, a keyed hash to match.
    id_masked: str | None = Field(None, pattern=r"^\d{6}\*{8}\d{3}[\dX]$", description="e.g. 110101********123X")
    id_hash: str | None = Field(None, pattern=r"^[0-9a-f]{64}$", description="HMAC-SHA256 with the kiosk secret")

    @field_validator("name", "phone", "coming_from", "going_to", "heading_to")
    @classmethod
    def _no_id_number(cls, value: str | None) -> str | None:
        # The ID number has its own question, kept masked and hashed; typed into any other
        # answer it would be stored and sent in clear.
        if value and find_in_text(value):
            raise ValueError("an ID number belongs in the ID number question, not here")
        return value

    @classmethod
    def parse(cls, data: dict, asked: tuple[str, ...] = ()) -> "VisitorAnswers":
        """Check the answers; each of the ``asked`` questions must be answered."""
        try:
            answers = cls.model_validate(data)
        except ValidationError as exc:
            e = exc.errors()[0]
            raise VisitorError(f"{'.'.join(map(str, e['loc'])) or 'answers'}: {e['msg']}") from None
        for question in asked:
            field = "id_hash" if question == "id_number" else question
            if getattr(answers, field) is None:
                raise VisitorError(f"{question}: this question was asked and must be answered")
        return answers

    @property
    def declares_risk(self) -> bool:
        return bool(self.contact or self.symptoms)


@dataclass(frozen=True)
class DayPass:
    text: str
    pass_id: str
    valid_until: int        # Unix seconds


def make_day_pass(secret: bytes, pass_id: str, valid_until: int) -> DayPass:
    body = bytes.fromhex(pass_id) + struct.pack(">I", valid_until)
    tag = hmac.new(secret, b"CPV1" + body, hashlib.sha256).digest()[:_TAG_LEN]
    return DayPass(PREFIX + base45.b45encode(body + tag).decode("ascii"), pass_id, valid_until)


def parse_day_pass(text: str, secret: bytes) -> DayPass:
    """Check a day pass's tag (not its date). Pure; raises VisitorError."""
    if not text.startswith(PREFIX) or len(text) > 64:
        raise VisitorError("not a visitor day pass")
    try:
        raw = base45.b45decode(text[len(PREFIX):])
    except (ValueError, TypeError, UnicodeError):
        raise VisitorError("not valid base45") from None
    if len(raw) != _RAW_LEN:
        raise VisitorError("wrong length")
    body, tag = raw[:-_TAG_LEN], raw[-_TAG_LEN:]
    want = hmac.new(secret, b"CPV1" + body, hashlib.sha256).digest()[:_TAG_LEN]
    if not hmac.compare_digest(tag, want):
        raise VisitorError("bad tag")
    return DayPass(text, body[:8].hex(), struct.unpack(">I", body[8:])[0])


def end_of_day(now: datetime, tz: str) -> datetime:
    from zoneinfo import ZoneInfo

    local = now.astimezone(ZoneInfo(tz))
    return datetime.combine(local.date() + timedelta(days=1), dtime(0), local.tzinfo) - timedelta(seconds=1)


class VisitorBook:
    """Registered visitors on this kiosk (SQLite in state_dir)."""

    def __init__(self, path: str | Path) -> None:
        self._db = sqlite3.connect(private_database(path), isolation_level=None, check_same_thread=False, timeout=30)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS visitors (pass_id TEXT PRIMARY KEY, registered_at TEXT NOT NULL, "
                "valid_until INTEGER NOT NULL, operator TEXT, answers TEXT NOT NULL)")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def register(self, answers: VisitorAnswers, operator: str, valid_until: datetime,
                 pass_id: str | None = None) -> str:
        """Record a registration; ``pass_id`` links it to a community visitor pass."""
        pass_id = pass_id or secrets.token_hex(8)
        with self._lock:
            self._db.execute(
                "INSERT INTO visitors VALUES (?,?,?,?,?) ON CONFLICT(pass_id) DO UPDATE SET "
                "registered_at=excluded.registered_at, valid_until=excluded.valid_until, "
                "operator=excluded.operator, answers=excluded.answers",
                (pass_id, datetime.now(timezone.utc).isoformat(), int(valid_until.timestamp()), operator,
                 answers.model_dump_json()))
        return pass_id

    def purge(self, before: datetime) -> int:
        """Forget registrations that ran out before ``before`` (their entries keep the answers)."""
        with self._lock:
            return self._db.execute("DELETE FROM visitors WHERE valid_until < ?", (int(before.timestamp()),)).rowcount

    def answers(self, pass_id: str, now: datetime) -> VisitorAnswers | None:
        """The answers of a visitor registered under ``pass_id`` and still valid at ``now``."""
        with self._lock:
            row = self._db.execute("SELECT valid_until, answers FROM visitors WHERE pass_id=?",
                                   (pass_id,)).fetchone()
        if row is None or row[0] < now.timestamp():
            return None
        return VisitorAnswers.model_validate(json.loads(row[1]))
