"""Reading a residents list (CSV or Excel) into checked records. Pure functions.

One row per household or per person: building, unit, room, name(s), phone. A ``names``
cell may list several people of one household ("张伟、李娜"). Headers are matched in
English or Chinese, in any order. Every problem is reported with its row number and
nothing is imported until the whole file is clean.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from sync.idnumber import find_in_text

COLUMNS = ("building", "unit", "room", "name", "phone")
REQUIRED = ("building", "unit", "room", "name")
HEADER_ALIASES = {
    "building": ("building", "bldg", "楼", "楼栋", "楼号", "栋"),
    "unit": ("unit", "单元"),
    "room": ("room", "房", "房号", "室", "门牌号"),
    "name": ("name", "names", "姓名", "名字", "住户", "居民"),
    "phone": ("phone", "mobile", "tel", "电话", "手机", "手机号", "联系电话"),
}
_PART = re.compile(r"^[0-9A-Za-z]{1,8}$")
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,19}$")
_NAME_SPLIT = re.compile(r"[,，、;；/]+")
MAX_ROWS = 20000
MAX_NAME = 40


@dataclass
class Roster:
    records: list[dict[str, str]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)   # (row number, message)


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """Rows of cells as text, from a .csv (UTF-8 or GB18030) or .xlsx file."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    if name.endswith(".csv") or name.endswith(".txt"):
        return _read_csv(data)
    raise ValueError("file must be .csv or .xlsx")


def _read_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError("CSV is neither UTF-8 nor GB18030 text")
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]


def _read_xlsx(data: bytes) -> list[list[str]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ValueError(f"not a readable .xlsx file ({exc.__class__.__name__})") from None
    try:
        ws = wb.worksheets[0]
        return [[_cell_text(c) for c in row] for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Excel stores "501" typed into a cell as the number 501.0.
        return str(int(value))
    return str(value).strip()


def header_map(header: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, cell in enumerate(header):
        key = cell.strip().lower()
        for column, aliases in HEADER_ALIASES.items():
            if key in aliases and column not in out:
                out[column] = i
    return out


def parse_roster(rows: list[list[str]]) -> Roster:
    roster = Roster()
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        roster.errors.append((0, "the file is empty"))
        return roster
    cols = header_map(rows[0])
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        roster.errors.append((1, "missing column(s): " + ", ".join(missing)
                              + " (header row must name building, unit, room, name, phone)"))
        return roster
    if len(rows) - 1 > MAX_ROWS:
        roster.errors.append((0, f"more than {MAX_ROWS} rows; split the file"))
        return roster
    seen: set[tuple[str, str]] = set()
    for number, row in enumerate(rows[1:], start=2):
        cell = {c: (row[i].strip() if i < len(row) else "") for c, i in cols.items()}
        problems = []
        for part in ("building", "unit", "room"):
            if not _PART.match(cell[part]):
                problems.append(f"{part} {cell[part]!r}: 1-8 letters or digits")
        if any(find_in_text(cell.get(c, "")) for c in COLUMNS):
            # Kept in clear nowhere: not even by mistake, in a name or phone column.
            roster.errors.append((number, "holds an ID number; the residents list keeps no ID numbers"))
            continue
        phone = cell.get("phone", "")
        if phone and not _PHONE.match(phone):
            problems.append(f"phone {phone!r}: digits, optionally with '+', spaces or '-'")
        names = [n.strip() for n in _NAME_SPLIT.split(cell["name"]) if n.strip()]
        if not names:
            problems.append("no name")
        for n in names:
            if len(n) > MAX_NAME:
                problems.append(f"name {n[:10]!r}...: longer than {MAX_NAME} characters")
        if problems:
            roster.errors.append((number, "; ".join(problems)))
            continue
        household = f"{cell['building']}-{cell['unit']}-{cell['room']}"
        for n in names:
            if (household, n) in seen:
                continue
            seen.add((household, n))
            roster.records.append({"building": cell["building"], "unit": cell["unit"], "room": cell["room"],
                                   "name": n, "phone": phone})
    return roster
