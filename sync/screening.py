"""Epidemic screening, as the site's office sets it: the contract between the console,
which publishes it in the signed registry's ``rules``, and the kiosks, which decide by it.

- ``off``: access control only. No temperature is needed or waited for; a reading
  that is there is recorded.
- ``record`` (soft): a reading is taken when it settles in the pairing window; a fever
  admits, raises an alert and marks the entry; no reading admits and marks the entry.
- ``enforce`` (hard): a fever is denied after a re-measure, no reading is referred.

A registry without ``screening`` means ``enforce`` with each kiosk's own threshold,
re-measure rule and offset: what every kiosk did before the mode existed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

OFF, RECORD, ENFORCE = "off", "record", "enforce"
MODES = (OFF, RECORD, ENFORCE)
Mode = Literal["off", "record", "enforce"]


class Screening(BaseModel):
    """The site's screening rules; a value left out is the kiosk's own config."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    mode: Mode = Field(ENFORCE, description="off | record | enforce")
    fever_c: float | None = Field(None, ge=35, le=42, description="Body temperature counted as a fever, deg C")
    remeasure: bool | None = Field(None, description="Measure once more before denying for a fever (enforce)")
    offset_c: float | None = Field(None, ge=-5, le=5, description="Added to the skin reading for body "
                                   "temperature, deg C")

    @property
    def needs_temperature(self) -> bool:
        return self.mode != OFF


# -- the visitor declaration --------------------------------------------------------------
#
# What a visitor answers follows the mode: the epidemic questions while screening, only who
# they are and whom they visit otherwise. A set of questions is versioned, and answers are
# kept with the version they answered, so a later change does not reinterpret them.

IDENTITY_QUESTIONS = ("name", "phone", "going_to")
EPIDEMIC_QUESTIONS = ("coming_from", "heading_to", "contact", "symptoms")
OPTIONAL_QUESTIONS = ("id_number",) + EPIDEMIC_QUESTIONS
Question = Literal["id_number", "coming_from", "heading_to", "contact", "symptoms"]


class Declaration(BaseModel):
    """The questions a visitor answers beyond who they are and whom they visit (always
    asked: the pass names them), one set while screening and one otherwise."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int = Field(1, ge=1, description="Raised by the office with every change of the questions")
    screening: tuple[Question, ...] = Field(OPTIONAL_QUESTIONS, description="Also asked in record and enforce")
    everyday: tuple[Question, ...] = Field((), description="Also asked in off")

    @field_validator("screening", "everyday")
    @classmethod
    def _form_order(cls, asked: tuple[str, ...]) -> tuple[str, ...]:
        # One order for one set: the same questions compare and sign the same way.
        return tuple(q for q in OPTIONAL_QUESTIONS if q in asked)

    def questions(self, mode: str) -> tuple[str, ...]:
        """Every question asked in ``mode``, in the form's order."""
        return IDENTITY_QUESTIONS + (self.everyday if mode == OFF else self.screening)


def from_rules(rules: dict | None) -> tuple[Screening, Declaration]:
    """The screening and the visitor questions a registry's ``rules`` publish; what is
    missing or unreadable is the default (``enforce``, every question while screening)."""
    from pydantic import ValidationError

    rules = rules or {}
    try:
        screening = Screening.model_validate(rules.get("screening") or {})
    except ValidationError:
        screening = Screening()
    try:
        questions = Declaration.model_validate(rules.get("visitor_questions") or {})
    except ValidationError:
        questions = Declaration()
    return screening, questions
