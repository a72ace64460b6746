"""The scenario file: who arrives at the gate, when, showing what, how warm.

A scenario is TOML::

    [defaults]
    gap_s = 3.0            # seconds between one arrival and the next
    show_s = 1.5           # how long each person holds the code to the camera
    temperature_c = 36.6   # body temperature when a person gives none

    [[person]]
    code = "RES-0001"      # text shown as a QR code...
    temperature_c = 36.6

    [[person]]
    image = "card.png"     # ...or an image file shown to the camera
    temperature_c = 38.2   # a fever

    [[person]]
    code = "VISITOR-77"
    temperature_c = "none" # the thermometer sees nobody (face not held up)
    barcode = "code128"    # render as a 1D barcode instead of QR (code128, ean13, code39)
    faults = "glare"       # how the camera sees it: a preset of drivers/sim/faults.py
                           # (clean, small, blur, shake, glare, angle, dark_mode, low_light, ...)
    at_s = 30              # arrive at this time (from start) instead of after the gap
    expect = "refer"       # what the kiosk should decide (used by tests; ignored otherwise)

    [[person]]
    code = "RES-0002"
    temperature_c = 36.8
    temperature_noise_c = 1.5   # the reading jumps about (a hat, a moving head): no stable value

    [[person]]
    scanner = "RES-0003"   # shown to a scanner module ([[reader]] type "sim") instead of the camera

    [[person]]
    card = "0040856634"    # an access card held to the card readers (reads = "cards"), as they type it

    [[person]]
    idcard = "11010519491231002X"   # a resident ID card laid on the ID card reader

Times are seconds from the moment the simulated devices start.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class ScenarioError(Exception):
    pass


class _Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid")
    gap_s: float = Field(3.0, gt=0)
    show_s: float = Field(1.5, gt=0)
    temperature_c: float = Field(36.6, ge=20, le=45)
    start_s: float = Field(1.0, ge=0)


class _Person(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str | None = None
    image: Path | None = None
    scanner: str | None = Field(None, min_length=1, max_length=4096)
    card: str | None = Field(None, min_length=1, max_length=40)
    idcard: str | None = Field(None, pattern=r"^[0-9]{17}[0-9X]$")
    barcode: str | None = Field(None, pattern="^(qr|code128|ean13|code39)$")
    faults: str | None = None
    temperature_c: float | str | None = None
    at_s: float | None = Field(None, ge=0)
    show_s: float | None = Field(None, gt=0)
    expect: str | None = Field(None, pattern="^(admit|deny|refer)$")
    temperature_noise_c: float | None = Field(None, ge=0, le=5)

    @model_validator(mode="after")
    def _one_of(self):
        if sum(v is not None for v in (self.code, self.image, self.scanner, self.card, self.idcard)) != 1:
            raise ValueError("give exactly one of 'code', 'image', 'scanner', 'card' or 'idcard'")
        if isinstance(self.temperature_c, str) and self.temperature_c != "none":
            raise ValueError("temperature_c is a number in deg C or \"none\"")
        if self.faults is not None:
            from drivers.sim.faults import PRESETS

            if self.faults not in PRESETS:
                raise ValueError(f"faults: unknown preset {self.faults!r}; known: {', '.join(PRESETS)}")
        return self


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    defaults: _Defaults = _Defaults()
    person: list[_Person] = Field(default_factory=list)


@dataclass(frozen=True)
class Arrival:
    index: int
    at_s: float
    show_s: float
    code: str | None
    image: Path | None
    barcode: str
    temperature_c: float | None      # None: the thermometer sees nobody
    expect: str | None
    temperature_noise_c: float | None = None    # how far samples scatter; None: a steady reading
    faults: str | None = None        # a preset of drivers/sim/faults.py; None: clean
    scanner: str | None = None       # the text shown to the simulated scanner module, not the camera
    card: str | None = None          # an access card's number as the simulated card readers type it
    idcard: str | None = None        # a resident ID card's number, laid on the simulated ID card reader

    @property
    def leaves_s(self) -> float:
        return self.at_s + self.show_s


@dataclass(frozen=True)
class Scenario:
    arrivals: tuple[Arrival, ...]
    source: str = "<scenario>"

    @property
    def duration_s(self) -> float:
        return max((a.leaves_s for a in self.arrivals), default=0.0) + 2.0

    def at(self, t: float) -> Arrival | None:
        """Who stands in front of the kiosk at scenario time t."""
        for a in self.arrivals:
            if a.at_s <= t < a.leaves_s:
                return a
        return None

    @classmethod
    def load(cls, path: str | Path) -> "Scenario":
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            raise ScenarioError(f"{path}: scenario file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise ScenarioError(f"{path}: invalid TOML: {exc}") from None
        return cls.from_dict(data, str(path), base=path.parent)

    @classmethod
    def from_dict(cls, data: dict, source: str = "<scenario>", base: Path | None = None) -> "Scenario":
        try:
            f = _File.model_validate(data)
        except ValidationError as exc:
            e = exc.errors()[0]
            loc = ".".join(str(p) for p in e["loc"])
            raise ScenarioError(f"{source}: {loc}: {e['msg']}") from None
        d = f.defaults
        t = d.start_s
        arrivals = []
        for i, p in enumerate(f.person):
            at = p.at_s if p.at_s is not None else t
            temp = p.temperature_c
            temp = d.temperature_c if temp is None else (None if temp == "none" else float(temp))
            image = p.image
            if image is not None and base is not None and not image.is_absolute():
                image = base / image
            show = p.show_s or d.show_s
            arrivals.append(Arrival(i, at, show, p.code, image, p.barcode or "qr", temp, p.expect,
                                    p.temperature_noise_c, faults=p.faults, scanner=p.scanner, card=p.card,
                                    idcard=p.idcard))
            t = at + show + d.gap_s
        return cls(tuple(arrivals), source)
