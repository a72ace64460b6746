"""Reading an exported workbook in a test, closed before the test goes on."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook


def xlsx_rows(source: Path | bytes) -> list[tuple]:
    """The values of every row of the first sheet, from a file or the bytes of a download.

    A read-only workbook holds its file open until closed; left to the garbage collector it
    raises a ResourceWarning in whichever later test the collector happens to run."""
    wb = load_workbook(source if isinstance(source, Path) else io.BytesIO(source), read_only=True, data_only=True)
    try:
        return list(wb.active.iter_rows(values_only=True))
    finally:
        wb.close()
