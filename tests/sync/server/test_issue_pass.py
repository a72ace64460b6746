"""`community-server issue-pass`: passes the kiosk verifies, alone on stdout for scripts,
in batches from CSV or Excel, as QR images and a printable sheet."""

from __future__ import annotations

import csv
import json
import os
import stat
import subprocess
import sys

import pytest
import segno

from kiosk import passes
from kiosk.cli import main as kiosk_main
from sync.server.cli import main as server_main
from sync.server.passes import IssueError, load_or_create_key, read_rows


def _registry(tmp_path, key_path, **extra):
    key = load_or_create_key(key_path)
    path = tmp_path / "registry.json"
    path.write_text(json.dumps({"version": 1, "site": "demo-site", "trusted_keys": key.registry_entry(), **extra}))
    return path


def _verify(capsys, text, registry, *more):
    capsys.readouterr()
    assert kiosk_main(["verify", text, "--registry", str(registry), *more]) == 0
    return json.loads(capsys.readouterr().out)


def test_single_pass_prints_only_the_text_and_the_kiosk_admits_it(tmp_path):
    key = tmp_path / "keys" / "pass-key.pem"
    out = subprocess.run([sys.executable, "-m", "sync.server.cli", "issue-pass", "--household", "3-2-501",
                          "--role", "resident", "--days", "365", "--key", str(key)],
                         capture_output=True, text=True, check=True, cwd=os.getcwd())
    text = out.stdout.strip()
    assert out.stdout == text + "\n" and text.startswith("CP1:")
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    reg = _registry(tmp_path, key)
    res = subprocess.run([sys.executable, "-m", "kiosk.cli", "verify", text, "--registry", str(reg)],
                         capture_output=True, text=True, check=True)
    line = json.loads(res.stdout)
    assert (line["kind"], line["signature"], line["dates"], line["registry"], line["decision"]) == \
        ("pass", "ok", "ok", "ok", "admit")
    assert line["credential"]["household"] == "3-2-501"
    assert segno.make_qr(text, error="m", boost_error=False).version <= 7


def test_verify_reports_revoked_and_fever(tmp_path, capsys):
    key = tmp_path / "k.pem"
    assert server_main(["issue-pass", "--household", "1-1-101", "--key", str(key)]) == 0
    text = capsys.readouterr().out.strip()
    pid = passes.parse(text).payload.pass_id
    reg = _registry(tmp_path, key, revoked=[pid])
    line = _verify(capsys, text, reg, "--temperature", "38.2")
    assert line["registry"] == "revoked" and line["decision"] == "deny"
    assert line["reasons"] == ["revoked", "fever"]
    assert line["messages"]["en"][0] == "The pass has been revoked"
    assert line["messages"]["zh"][0] == "通行证已注销"


def test_batch_from_csv_writes_images_list_and_sheet(tmp_path, capsys):
    rows = tmp_path / "residents.csv"
    rows.write_text("household,role,label\n3-2-501,resident,Room 501\n3-2-502,staff,\n\n9-1-101,visitor,guest\n",
                    encoding="utf-8")
    key = tmp_path / "k.pem"
    assert server_main(["issue-pass", "--batch", str(rows), "--key", str(key), "--out", str(tmp_path / "out"),
                        "--sheet", str(tmp_path / "sheet.html")]) == 0
    with open(tmp_path / "out" / "passes.csv", encoding="utf-8") as f:
        listed = list(csv.DictReader(f))
    assert [(r["household"], r["role"]) for r in listed] == [("3-2-501", "resident"), ("3-2-502", "staff"),
                                                            ("9-1-101", "visitor")]
    assert len(list((tmp_path / "out").glob("*.png"))) == 3
    sheet = (tmp_path / "sheet.html").read_text("utf-8")
    assert sheet.count("<svg") == 3 and "Room 501" in sheet
    reg = _registry(tmp_path, key)
    assert _verify(capsys, listed[0]["text"], reg)["decision"] == "admit"


def test_batch_from_excel(tmp_path, capsys):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["Household", "Days"])
    wb.active.append(["5-1-301", 30])
    wb.active.append(["5-1-302", None])
    wb.save(tmp_path / "r.xlsx")
    assert server_main(["issue-pass", "--batch", str(tmp_path / "r.xlsx"), "--key", str(tmp_path / "k.pem")]) == 0
    texts = capsys.readouterr().out.splitlines()   # base45 has spaces: one pass per line
    days = [(p.expires - p.not_before) // 86400 for p in (passes.parse(t).payload for t in texts)]
    assert days == [30, 365]


@pytest.mark.parametrize("content, message", [
    ("role\nresident\n", "row 2: no household"),
    ("household,role\n1-1-1,mayor\n", "row 2: role 'mayor'"),
])
def test_bad_batch_rows_are_named(tmp_path, content, message):
    path = tmp_path / "r.csv"
    path.write_text(content)
    with pytest.raises(IssueError, match=message):
        read_rows(path)


def test_bad_household_is_refused_with_a_message(tmp_path, capsys):
    assert server_main(["issue-pass", "--household", "3/2/501", "--key", str(tmp_path / "k.pem")]) == 2
    assert "building-unit-room" in capsys.readouterr().err


def test_single_pass_as_png(tmp_path, capsys):
    out = tmp_path / "p.png"
    assert server_main(["issue-pass", "--household", "1-1-1", "--key", str(tmp_path / "k.pem"),
                        "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_worker_passes_by_batch_carry_their_windows_onto_the_sheet_and_the_kiosk_keeps_them(tmp_path, capsys):
    rows = tmp_path / "workers.csv"
    rows.write_text("household,role,days,windows,label\n"
                    "3-2-501,worker,30,Mon-Fri 08:00-18:00,保洁 Cleaner\n"
                    "0-0-0,worker,7,Sat 09:00-12:00,Meter reader\n", encoding="utf-8")
    key = tmp_path / "k.pem"
    assert server_main(["issue-pass", "--batch", str(rows), "--key", str(key), "--sheet",
                        str(tmp_path / "sheet.html")]) == 0
    sheet = (tmp_path / "sheet.html").read_text("utf-8")
    assert "Mon-Fri 08:00-18:00" in sheet and "Sat 09:00-12:00" in sheet and "保洁 Cleaner" in sheet
    assert server_main(["issue-pass", "--household", "3-2-501", "--role", "worker", "--days", "30",
                        "--windows", "Mon-Sun 00:00-24:00", "--key", str(key)]) == 0
    text = capsys.readouterr().out.strip()
    assert segno.make_qr(text, error="m", boost_error=False).version <= 7
    assert _verify(capsys, text, _registry(tmp_path, key))["decision"] == "admit"


@pytest.mark.parametrize("args, message", [
    (["--role", "worker"], "a worker pass needs its weekly windows"),
    (["--windows", "Mon-Fri 08:00-18:00"], "only a worker pass has them"),
    (["--role", "worker", "--windows", "weekdays"], "like 'Mon-Fri 08:00-18:00'"),
])
def test_worker_windows_are_required_and_checked(tmp_path, capsys, args, message):
    assert server_main(["issue-pass", "--household", "3-2-501", *args, "--key", str(tmp_path / "k.pem")]) == 2
    assert message in capsys.readouterr().err
