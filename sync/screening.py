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

from pydantic import BaseModel, ConfigDict, Field

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
QUESTIONS = IDENTITY_QUESTIONS + ("id_number",) + EPIDEMIC_QUESTIONS
Question = Literal["name", "phone", "going_to", "id_number", "coming_from", "heading_to", "contact", "symptoms"]


class Declaration(BaseModel):
    """The questions a visitor answers, one set while screening and one otherwise."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int = Field(1, ge=1, description="Raised by the office with every change of the questions")
    screening: tuple[Question, ...] = Field(QUESTIONS, description="Asked in record and enforce")
    everyday: tuple[Question, ...] = Field(IDENTITY_QUESTIONS, description="Asked in off")

    def questions(self, mode: str) -> tuple[str, ...]:
        asked = self.everyday if mode == OFF else self.screening
        # Who the visitor is and whom they visit are always asked: the pass names them.
        return tuple(q for q in QUESTIONS if q in IDENTITY_QUESTIONS or q in asked)
