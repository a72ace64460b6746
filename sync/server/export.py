"""Entries as CSV or Excel: the columns, and writers that stream in constant memory.

Used by the API's downloads and by `community-server export`; both record the export
in the export log (who, when, which filters, how many rows).
"""

from __future__ import annotations

import csv
import io
import tempfile
from typing import Any, BinaryIO, Iterator

from sync.server.storage import EntryQuery, Storage

CSV_COLUMNS = ("site", "gate", "seq", "ts", "direction", "decision", "reasons", "household",
               "credential_kind", "temperature_c", "id", "hash", "hash_ok", "received_at")


def export_row(item: dict[str, Any]) -> list[Any]:
    return [item[c] if c != "hash_ok" else bool(item[c]) for c in CSV_COLUMNS]


def csv_chunks(items: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    buf = io.StringIO()
    w = csv.writer(buf)
    # A BOM, so Excel opens the UTF-8 (Chinese) text correctly.
    buf.write("\ufeff")
    w.writerow(CSV_COLUMNS)
    for n, item in enumerate(items, 1):
        w.writerow(export_row(item))
        if n % 500 == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")


def xlsx_chunks(items: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    # openpyxl's write-only mode keeps constant memory; the zip is finished on disk and
    # then streamed, because an xlsx cannot be read before its central directory exists.
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("entries")
    ws.append(list(CSV_COLUMNS))
    for item in items:
        ws.append(export_row(item))
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
