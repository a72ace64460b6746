"""What the community server pushed to this kiosk, kept on disk and used offline:
trusted keys, revoked passes, home quarantine, known plain ID codes, the site's rules.

The registry is versioned. The kiosk keeps the newest version it has seen in
``state_dir/registry.json`` (written atomically) and goes on using it while the
server cannot be reached. This is the one copy: the sync's downlink verifies a pushed
registry and hands it to ``RegistryStore.accept``, which checks it and keeps it.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import date, datetime, time as dtime, timezone
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sync.configfile import ConfigError, model_from_dict
from sync.privatefile import write_private
from sync.screening import Declaration, Screening

log = logging.getLogger(__name__)

STATE_FILE = "registry.json"
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class RegistryError(Exception):
    pass


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Quarantine(_Strict):
    """A household, or one person (by pass id or known plain code), kept at home."""

    household: str | None = Field(None, description="building-unit-room")
    pass_id: str | None = Field(None, description="one person's pass id")
    code: str | None = Field(None, description="one person's plain ID code")
    start: date = Field(alias="from")
    end: date = Field(alias="to")
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _check(self):
        if not (self.household or self.pass_id or self.code):
            raise ValueError("name a household, pass_id or code")
        if self.end < self.start:
            raise ValueError("'to' is before 'from'")
        return self

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


class KnownCode(_Strict):
    household: str | None = None
    role: Literal["resident", "staff", "visitor", "worker"] = "resident"
    name: str | None = Field(None, max_length=40, description="the holder's name; the kiosk shows and "
                             "journals only its masked form")


class KnownCard(_Strict):
    household: str | None = None
    role: Literal["resident", "staff", "visitor", "worker"] = "resident"
    name: str | None = Field(None, max_length=40, description="the holder's masked name")
    revoked: bool = Field(False, description="reported lost or taken back: denied at every gate")


class Rules(_Strict):
    """The site's rules, pushed with the registry."""

    timezone: str = Field("Asia/Shanghai", description="Local time zone for allowed hours")
    hours: dict[Literal["resident", "staff", "visitor", "worker"], tuple[str, str]] = Field(
        default_factory=dict, description="role -> (from, to) local HH:MM; a role not listed may pass at any hour")
    self_registered_visitors: Literal["admit", "refer"] = Field(
        "refer", description="A visitor who declared on their own phone: admit, or refer to the volunteer "
        "(who sees the masked name, household, origin and answers and confirms with one tap)")
    invited_visitors: Literal["admit", "refer"] = Field(
        "refer", description="The same, for a visitor who came through a household's invitation link")
    visitors_must_register: bool = Field(True, description="A visitor passes only once a volunteer registered them")
    screening: Screening = Field(Screening(), description="Epidemic screening: mode, fever threshold, re-measure, "
                                 "skin-to-body offset (sync/screening.py)")
    visitor_questions: Declaration = Field(Declaration(), description="What a visitor declares, per mode, versioned")

    @field_validator("hours")
    @classmethod
    def _hhmm(cls, v):
        for role, (a, b) in v.items():
            if not (_HHMM.match(a) and _HHMM.match(b)):
                raise ValueError(f"hours for {role}: use HH:MM")
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v):
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r}") from None
        return v

    def local(self, when: datetime) -> datetime:
        from zoneinfo import ZoneInfo

        return when.astimezone(ZoneInfo(self.timezone))

    def allowed_at(self, role: str, when: datetime) -> bool:
        span = self.hours.get(role)
        if span is None:
            return True
        local = self.local(when).time()
        start, end = (dtime.fromisoformat(x) for x in span)
        # A span like 22:00-06:00 wraps past midnight.
        return start <= local < end if start <= end else (local >= start or local < end)


class Registry(_Strict):
    version: int = Field(0, ge=0)
    issued_at: datetime | None = Field(None, description="When the server made this version (UTC)")
    site: str | None = None
    trusted_keys: dict[str, str] = Field(default_factory=dict, description="key id -> Ed25519 public key, base64")
    revoked: frozenset[str] = Field(default_factory=frozenset, description="revoked pass ids")
    quarantine: tuple[Quarantine, ...] = ()
    known_codes: dict[str, KnownCode] = Field(default_factory=dict, description="plain ID code text -> who")
    holders: dict[str, str] = Field(default_factory=dict, description="pass id -> the holder's name; the kiosk "
                                    "shows and journals only its masked form (the pass itself holds no name)")
    card_key: str | None = Field(None, description="base64 key of the cards' keyed hashes (sync/cards.py)")
    cards: dict[str, KnownCard] = Field(default_factory=dict, description="keyed hash of a card's canonical "
                                        "number -> whose it is; never the number itself")
    id_key: str | None = Field(None, description="base64 key of the residents' ID numbers' keyed hashes, where "
                               "the site opts in (docs/devices.md: Resident ID cards)")
    id_numbers: dict[str, KnownCard] = Field(default_factory=dict, description="keyed hash of a resident's ID "
                                             "number -> their household; never the number itself")
    rules: Rules = Rules()
    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))

    @model_validator(mode="after")
    def _keys_of_hashes(self):
        import base64
        import binascii

        for key, hashed in (("card_key", "cards"), ("id_key", "id_numbers")):
            if getattr(self, hashed) and not getattr(self, key):
                raise ValueError(f"{hashed} need the {key} they are hashed with")
            if getattr(self, key):
                try:
                    if len(base64.b64decode(getattr(self, key), validate=True)) < 16:
                        raise ValueError
                except (binascii.Error, ValueError):
                    raise ValueError(f"{key} is not a base64 key of at least 16 bytes") from None
        return self

    @field_validator("trusted_keys")
    @classmethod
    def _keys(cls, v):
        from sync.passes import load_public_key

        for kid, raw in v.items():
            try:
                load_public_key(raw)
            except ValueError:
                raise ValueError(f"trusted key {kid!r} is not a base64 Ed25519 public key") from None
        return v

    # -- building and keeping --------------------------------------------------------

    @classmethod
    def from_dict(cls, data: dict, source: str = "<registry>") -> "Registry":
        if not isinstance(data, dict):
            raise RegistryError(f"{source}: a registry is a JSON object")
        try:
            return model_from_dict(cls, data, source)
        except ConfigError as exc:
            raise RegistryError(str(exc)) from None

    def to_dict(self) -> dict:
        d = self.model_dump(mode="json", by_alias=True)
        d["revoked"] = sorted(self.revoked)
        return d

    @classmethod
    def load(cls, path: str | Path | None) -> "Registry":
        if path is None:
            return cls()
        path = Path(path)
        try:
            data = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            raise RegistryError(f"{path}: registry file not found") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise RegistryError(f"{path}: invalid JSON: {exc}") from None
        return cls.from_dict(data, str(path))

    def save(self, path: str | Path) -> None:
        """Write atomically: a crash leaves the old file or the new one, never half."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Quarantined households are in it: the kiosk's owner alone reads it.
        write_private(path, json.dumps(self.to_dict(), ensure_ascii=False, indent=1), durable=True)

    def age_s(self, now: datetime | None = None) -> float | None:
        if self.issued_at is None:
            return None
        issued = self.issued_at if self.issued_at.tzinfo else self.issued_at.replace(tzinfo=timezone.utc)
        return ((now or datetime.now(timezone.utc)) - issued).total_seconds()

    # -- questions the policy asks ---------------------------------------------------

    @cached_property
    def _public_keys(self) -> dict:
        from sync.passes import load_public_key

        return {kid: load_public_key(raw) for kid, raw in self.trusted_keys.items()}

    def public_key(self, key_id: str):
        return self._public_keys.get(key_id)

    def is_revoked(self, pass_id: str) -> bool:
        return pass_id in self.revoked

    def lookup(self, text: str) -> KnownCode | None:
        return self.known_codes.get(text)

    def card(self, canonical: str) -> KnownCard | None:
        from sync.cards import digest

        return self.cards.get(digest(self.card_key, canonical)) if self.card_key else None

    def id_holder(self, number: str) -> KnownCard | None:
        """Whose ID number this is, where the site publishes its residents' (opt-in)."""
        from sync.cards import keyed_digest

        return self.id_numbers.get(keyed_digest(self.id_key, "id:", number)) if self.id_key else None

    @cached_property
    def _quarantine_index(self) -> dict[tuple[str, str], list[Quarantine]]:
        index: dict[tuple[str, str], list[Quarantine]] = {}
        for q in self.quarantine:
            for name in ("household", "pass_id", "code"):
                if getattr(q, name):
                    index.setdefault((name, getattr(q, name)), []).append(q)
        return index

    def quarantined(self, day: date, *, household: str | None = None, pass_id: str | None = None,
                    code: str | None = None) -> Quarantine | None:
        for name, value in (("household", household), ("pass_id", pass_id), ("code", code)):
            for q in self._quarantine_index.get((name, value), ()) if value else ():
                if q.covers(day):
                    return q
        return None


class RegistryStore:
    """The newest registry this kiosk has seen, kept in ``state_dir``."""

    def __init__(self, state_dir: str | Path, seed_file: str | Path | None = None) -> None:
        self.path = Path(state_dir) / STATE_FILE
        self.current = Registry()
        if self.path.exists():
            try:
                self.current = Registry.load(self.path)
            except RegistryError as exc:
                # A damaged copy must not stop the gate; the seed or the next push replaces it.
                log.error("ignoring the kept registry: %s", exc)
        if seed_file is not None:
            self.offer(Registry.load(seed_file))

    @property
    def version(self) -> int:
        return self.current.version

    def accept(self, data: dict, version: int) -> bool:
        """A registry the server pushed, its signature already verified (the sync's
        downlink thread): checked, kept if newer, then used whole by the next decision."""
        try:
            # Without the server's own issue time, the age counts from arrival.
            new = Registry.from_dict({"issued_at": datetime.now(timezone.utc).isoformat(), **data,
                                      "version": version}, f"registry v{version}")
        except RegistryError as exc:
            log.error("refusing a pushed registry: %s", exc)
            return False
        return self.offer(new)

    def offer(self, new: Registry) -> bool:
        """Keep ``new`` if it is newer than what we have; returns whether it was kept."""
        if new.version <= self.current.version and self.path.exists():
            return False
        new.save(self.path)
        self.current = new
        log.info("registry version %d kept", new.version)
        return True
