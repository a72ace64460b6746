"""The questions a visitor answers on their phone, in one place: the form, its checks
and its limits. Pure; ``read_form`` returns a ``Declaration`` or the fields to fix.

The questions follow the site's versioned question set for its screening mode
(sync/screening.py): name, phone and the household always, the epidemic questions while
screening. The names are sync/screening.py's question ids (``heading_to``, ``contact``,
``symptoms``, ``id_number``), with its ``going_to`` asked as building, unit and room and
its ``coming_from`` as a GB/T 2260 code (``origin``). Only the questions asked are read
and checked; an answer to one not asked is None. The two health questions have no
default: a visitor must pick yes or no. The ID number stays optional when asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sync import divisions, idnumber

#: Every field the form sends, and the longest value kept (characters).
LIMITS = {"name": 40, "phone": 11, "building": 8, "unit": 8, "room": 8, "province": 6, "origin": 6,
          "heading_to": 80, "contact": 3, "symptoms": 3, "id_number": 18}
HEALTH = ("contact", "symptoms")
#: Form fields of each question; a field not listed is always asked.
FIELDS = {"coming_from": ("province", "origin"), "heading_to": ("heading_to",), "contact": ("contact",),
          "symptoms": ("symptoms",), "id_number": ("id_number",)}
_PHONE = re.compile(r"^1\d{10}$")
_PART = re.compile(r"^[0-9A-Za-z]{1,8}$")


@dataclass(frozen=True)
class Declaration:
    name: str
    phone: str
    household: str          # building-unit-room
    origin: str | None      # GB/T 2260 code of the city (or municipality); None: not asked
    heading_to: str | None
    contact: bool | None
    symptoms: bool | None
    id_number: str | None   # normalised; hashed and masked before it is kept
    questions_version: int = 1      # the version of the question set answered

    @property
    def declares_risk(self) -> bool:
        return bool(self.contact or self.symptoms)


def asked_fields(questions: tuple[str, ...]) -> frozenset[str]:
    """The form fields of the ``questions`` asked (sync/screening.py's ``questions(mode)``)."""
    return frozenset(f for f in LIMITS if not any(f in fs and q not in questions for q, fs in FIELDS.items()))


def read_form(form, questions: tuple[str, ...], version: int) -> tuple[Declaration | None, dict[str, str]]:
    """(declaration, {}) or (None, {field: error key}), for the ``questions`` asked."""
    fields = asked_fields(questions)
    raw = {k: str(form.get(k, "")).strip() if k in fields else "" for k in LIMITS}
    errors = {k: "too_long" for k, v in raw.items() if len(v) > LIMITS[k]}
    for k in ("name", "phone", "building", "unit", "room", "origin", "heading_to"):
        if k in fields and not raw[k] and k not in errors:
            errors[k] = "required"
    if "phone" not in errors and not _PHONE.match(raw["phone"]):
        errors["phone"] = "phone"
    for k in ("building", "unit", "room"):
        if k not in errors and not _PART.match(raw[k]):
            errors[k] = "household"
    if "origin" in fields and "origin" not in errors and not _is_city(raw["origin"]):
        errors["origin"] = "origin"
    for k in HEALTH:
        if k in fields and raw[k] not in ("yes", "no"):
            errors[k] = "choose"
    id_number = None
    if raw["id_number"] and "id_number" not in errors:
        try:
            id_number = idnumber.parse(raw["id_number"]).number
        except idnumber.IdNumberError:
            errors["id_number"] = "id_number"
    if errors:
        return None, errors
    answer = lambda k: (raw[k] if k not in HEALTH else raw[k] == "yes") if k in fields else None  # noqa: E731
    return Declaration(raw["name"], raw["phone"], f"{raw['building']}-{raw['unit']}-{raw['room']}", answer("origin"),
                       answer("heading_to"), answer("contact"), answer("symptoms"), id_number, version), {}


def _is_city(code: str) -> bool:
    d = divisions.lookup(code)
    if d is None:
        return False
    # A province is a valid answer only where it is its own single choice (a municipality).
    return not d.is_province or divisions.cities(code) == [d]
