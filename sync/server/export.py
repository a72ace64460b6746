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
from datetime import datetime, tzinfo
from typing import Any, BinaryIO, Iterator

from sync.server.storage import EntryQuery, Storage

CSV_COLUMNS = ("site", "gate", "seq", "ts", "direction", "decision", "reasons", "household",
               "credential_kind", "credential", "temperature_c", "screening", "operator", "id", "hash", "hash_ok",
               "received_at")
# Added in front when the reader's time zone is known (the console's exports).
LOCAL_TIME = "local_time"


def credential_label(entry: dict[str, Any]) -> str:
    """What identifies the credential to a person: the pass id, or the masked form of an
    ID number or other code (the kiosk never sends those in clear)."""
    cred = entry.get("credential") if isinstance(entry.get("credential"), dict) else {}
    for key in ("pass_id", "masked"):
        if isinstance(cred.get(key), str) and cred[key]:
            return cred[key]
    return ""


def _field(item: dict[str, Any], column: str) -> Any:
    if column == "hash_ok":
        return bool(item[column])
    if column == "credential":
        return credential_label(item["entry"])
    if column == "operator":
        op = item["entry"].get("operator")
        return op if isinstance(op, str) else (json.dumps(op, ensure_ascii=False) if op else "")
    return item[column]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def inert_csv(value: Any) -> Any:
    """A CSV cell no spreadsheet runs: a leading ' makes a formula-like text plain text."""
    return "'" + value if is_formula_like(value) else value


def columns(tz: tzinfo | None = None) -> tuple[str, ...]:
    return ((LOCAL_TIME,) if tz else ()) + CSV_COLUMNS


def export_row(item: dict[str, Any], tz: tzinfo | None = None) -> list[Any]:
    row = [_field(item, c) for c in CSV_COLUMNS]
    return [_local(item["ts"], tz), *row] if tz else row


def _local(ts: str, tz: tzinfo) -> str:
    try:
        dt = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return ""
    return dt.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def csv_chunks(items: Iterator[dict[str, Any]], tz: tzinfo | None = None) -> Iterator[bytes]:
    buf = io.StringIO()
    w = csv.writer(buf)
    # A BOM, so Excel opens the UTF-8 (Chinese) text correctly.
    buf.write("\ufeff")
    w.writerow(columns(tz))
    for n, item in enumerate(items, 1):
        w.writerow([inert_csv(v) for v in export_row(item, tz)])
        if n % 500 == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")


def xlsx_chunks(items: Iterator[dict[str, Any]], tz: tzinfo | None = None) -> Iterator[bytes]:
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

    ws.append(list(columns(tz)))
    for item in items:
        ws.append([inert(v) for v in export_row(item, tz)])
    with tempfile.TemporaryFile() as tmp:
        wb.save(tmp)
        tmp.seek(0)
        while chunk := tmp.read(256 * 1024):
            yield chunk


WRITERS = {"csv": csv_chunks, "xlsx": xlsx_chunks}


def write_export(storage: Storage, query: EntryQuery, fmt: str, out: BinaryIO, *, actor: str) -> int:
    rows = 0

    def counted() -> Iterator[dict[str, Any]]:
        nonlocal rows
        for item in storage.iter_entries(query):
            rows += 1
            yield item

    try:
        for chunk in WRITERS[fmt](counted()):
            out.write(chunk)
    finally:
        storage.log_export(actor, fmt, query.describe(), rows)
    return rows
