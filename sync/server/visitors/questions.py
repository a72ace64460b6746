"""The questions a visitor answers on their phone, in one place: the form, its checks
and its limits. Pure; ``read_form`` returns a ``Declaration`` or the fields to fix.

The two health questions have no default: a visitor must pick yes or no. The names
are sync/screening.py's question ids (``heading_to``, ``contact``, ``symptoms``,
``id_number``), with its ``going_to`` asked as building, unit and room and its
``coming_from`` as a GB/T 2260 code (``origin``), so the page can follow the site's
versioned question set per screening mode; today it asks them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sync import divisions, idnumber

#: Every field the form sends, and the longest value kept (characters).
LIMITS = {"name": 40, "phone": 11, "building": 8, "unit": 8, "room": 8, "province": 6, "origin": 6,
          "heading_to": 80, "contact": 3, "symptoms": 3, "id_number": 18}
HEALTH = ("contact", "symptoms")
_PHONE = re.compile(r"^1\d{10}$")
_PART = re.compile(r"^[0-9A-Za-z]{1,8}$")


@dataclass(frozen=True)
class Declaration:
    name: str
    phone: str
    household: str          # building-unit-room
    origin: str             # GB/T 2260 code of the city (or municipality)
    heading_to: str
    contact: bool
    symptoms: bool
    id_number: str | None   # normalised; hashed and masked before it is kept

    @property
    def declares_risk(self) -> bool:
        return self.contact or self.symptoms


def read_form(form) -> tuple[Declaration | None, dict[str, str]]:
    """(declaration, {}) or (None, {field: error key})."""
    raw = {k: str(form.get(k, "")).strip() for k in LIMITS}
    errors = {k: "too_long" for k, v in raw.items() if len(v) > LIMITS[k]}
    for k in ("name", "phone", "building", "unit", "room", "origin", "heading_to"):
        if not raw[k] and k not in errors:
            errors[k] = "required"
    if "phone" not in errors and not _PHONE.match(raw["phone"]):
        errors["phone"] = "phone"
    for k in ("building", "unit", "room"):
        if k not in errors and not _PART.match(raw[k]):
            errors[k] = "household"
    if "origin" not in errors and not _is_city(raw["origin"]):
        errors["origin"] = "origin"
    for k in HEALTH:
        if raw[k] not in ("yes", "no"):
            errors[k] = "choose"
    id_number = None
    if raw["id_number"] and "id_number" not in errors:
        try:
            id_number = idnumber.parse(raw["id_number"]).number
        except idnumber.IdNumberError:
            errors["id_number"] = "id_number"
    if errors:
        return None, errors
    return Declaration(raw["name"], raw["phone"], f"{raw['building']}-{raw['unit']}-{raw['room']}", raw["origin"],
                       raw["heading_to"], raw["contact"] == "yes", raw["symptoms"] == "yes", id_number), {}


def _is_city(code: str) -> bool:
    d = divisions.lookup(code)
    if d is None:
        return False
    # A province is a valid answer only where it is its own single choice (a municipality).
    return not d.is_province or divisions.cities(code) == [d]
