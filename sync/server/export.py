"""Entries as CSV or Excel: the columns, and writers that stream in constant memory.

Used by the API's downloads, the console's and `community-server export`; all record
the export in the export log (who, when, which filters, how many rows).

Every cell is inert: a text that a spreadsheet would read as a formula (it begins with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written as text, because a
code shown to a camera or a field sent by a kiosk ends up in these cells.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from typing import Any, BinaryIO, Iterator
from zoneinfo import ZoneInfo

from sync import vocabulary
from sync.server.storage import EntryQuery, Storage

# The file's columns, in order: the site's local time first, codes beside their words,
# every time in ISO 8601 (never a Unix number).
COLUMNS = ("local_time", "site", "gate", "seq", "direction", "decision", "decision_code", "reasons", "reason_codes",
           "household", "credential_kind", "credential", "temperature_c", "screening", "operator", "ts",
           "received_at", "id", "hash", "hash_ok")


@dataclass(frozen=True)
class ExportView:
    """Who reads the file: their time zone and language (the console's settings)."""
    tz: tzinfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    lang: str = "zh"

    def word(self, key: str, **values) -> str:
        from sync.server.console.i18n import translate

        return translate(self.lang, key, **values)

    def header(self) -> list[str]:
        zone = vocabulary.zone_label(self.tz, self.lang)
        return [self.word(f"export.col.{c}", zone=zone) for c in COLUMNS]

    def iso(self, moment: datetime) -> str:
        return moment.astimezone(self.tz).isoformat(timespec="seconds")


def credential_label(entry: dict[str, Any]) -> str:
    """What identifies the credential to a person: the pass id, or the masked form of an
    ID number or other code (the kiosk never sends those in clear)."""
    cred = entry.get("credential") if isinstance(entry.get("credential"), dict) else {}
    for key in ("pass_id", "masked"):
        if isinstance(cred.get(key), str) and cred[key]:
            return cred[key]
    return ""


def _utc(ts: str) -> datetime | None:
    try:
        dt = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except (AttributeError, TypeError, ValueError):
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _field(item: dict[str, Any], column: str, view: ExportView) -> Any:
    codes = [r for r in (item["reasons"] or "").split(",") if r]
    if column == "local_time":
        dt = _utc(item["ts"])
        return view.iso(dt) if dt else ""
    if column in ("direction", "decision"):
        return vocabulary.word(column, item[column], view.lang)
    if column == "decision_code":
        return item["decision"]
    if column == "reasons":
        return view.word("list.sep").join(vocabulary.word("reason", r, view.lang) for r in codes)
    if column == "reason_codes":
        return ",".join(codes)
    if column == "received_at":
        return view.iso(datetime.fromtimestamp(item["received_at"], timezone.utc)) if item["received_at"] else ""
    if column == "hash_ok":
        return bool(item[column])
    if column == "credential":
        return credential_label(item["entry"])
    if column == "operator":
        op = item["entry"].get("operator")
        return op if isinstance(op, str) else (json.dumps(op, ensure_ascii=False) if op else "")
    return item[column]


def export_row(item: dict[str, Any], view: ExportView) -> list[Any]:
    return [_field(item, c, view) for c in COLUMNS]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def inert_csv(value: Any) -> Any:
    """A CSV cell no spreadsheet runs: a leading ' makes a formula-like text plain text."""
    return "'" + value if is_formula_like(value) else value


def csv_chunks(items: Iterator[dict[str, Any]], view: ExportView) -> Iterator[bytes]:
    buf = io.StringIO()
    w = csv.writer(buf)
    # A BOM, so Excel opens the UTF-8 (Chinese) text correctly.
    buf.write("\ufeff")
    w.writerow(view.header())
    for n, item in enumerate(items, 1):
        w.writerow([inert_csv(v) for v in export_row(item, view)])
        if n % 500 == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")


def xlsx_chunks(items: Iterator[dict[str, Any]], view: ExportView) -> Iterator[bytes]:
    # openpyxl's write-only mode keeps constant memory; the zip is finished on disk and
    # then streamed, because an xlsx cannot be read before its central directory exists.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("entries")

    def inert(value: Any) -> Any:
        if not is_formula_like(value):
            return value
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"        # openpyxl makes any text starting with = a formula
        cell.quotePrefix = True     # and Excel keeps it text when the cell is edited
        return cell

    ws.append(view.header())
    for item in items:
        ws.append([inert(v) for v in export_row(item, view)])
    with tempfile.TemporaryFile() as tmp:
        wb.save(tmp)
        tmp.seek(0)
        while chunk := tmp.read(256 * 1024):
            yield chunk


WRITERS = {"csv": csv_chunks, "xlsx": xlsx_chunks}


def write_export(storage: Storage, query: EntryQuery, fmt: str, out: BinaryIO, *, actor: str,
                 view: ExportView) -> int:
    rows = 0

    def counted() -> Iterator[dict[str, Any]]:
        nonlocal rows
        for item in storage.iter_entries(query):
            rows += 1
            yield item

    try:
        for chunk in WRITERS[fmt](counted(), view):
            out.write(chunk)
    finally:
        storage.log_export(actor, fmt, query.describe(), rows)
    return rows
