"""China's administrative divisions (GB/T 2260) at the two levels a visitor's origin is
asked in: province, then prefecture-level city. Shared by the kiosk's visitor form and
the community server's registration page, so both store the same six-digit codes.

The data (``divisions.tsv``) names its source revision in its header.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).with_name("divisions.tsv")


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    name_en: str = ""

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"

    @property
    def is_province(self) -> bool:
        return self.code.endswith("0000")


@lru_cache(maxsize=1)
def _table() -> dict[str, Division]:
    table: dict[str, Division] = {}
    with DATA.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) not in (2, 3) or not (len(fields[0]) == 6 and fields[0].isdigit()):
                raise ValueError(f"{DATA}:{n}: expected 'code<TAB>name[<TAB>English name]', got {line!r}")
            table[fields[0]] = Division(*fields)
    return table


def provinces() -> list[Division]:
    return [d for d in _table().values() if d.is_province]


def cities(province_code: str) -> list[Division]:
    """The prefecture-level divisions of a province; a municipality (北京市) or a region
    with none listed is its own single choice."""
    if lookup(province_code) is None or not province_code.endswith("0000"):
        raise KeyError(province_code)
    own = [d for d in _table().values() if not d.is_province and d.province_code == province_code]
    return own or [_table()[province_code]]


def lookup(code: str) -> Division | None:
    return _table().get(str(code))


def describe(code: str) -> str:
    """'河南省 郑州市' for a city's code, '北京市' for a municipality's; '' when unknown."""
    d = lookup(code)
    if d is None:
        return ""
    if d.is_province:
        return d.name
    return f"{_table()[d.province_code].name} {d.name}"


def as_json() -> list[dict]:
    """Provinces with their cities, for a page's picker."""
    return [{"code": p.code, "name": p.name, "name_en": p.name_en,
             "cities": [{"code": c.code, "name": c.name} for c in cities(p.code)]} for p in provinces()]
