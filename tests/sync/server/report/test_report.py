"""The daily report (日报): figures counted from the stored entries of one local day, on
both databases; the console's printable page and Excel, `community-server report` and
the [reports] scheduler write the same, and each is audited."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from sync.schema import Batch
from sync.server.report import daily
from tests.places import REPO
from tests.sync.server.consolekit import VIEWER, entry_fields, journal_entries, login
from tests.waiting import wait_until

TZ = ZoneInfo("Asia/Shanghai")


def visitor(origin: str | None, decision="admit") -> dict:
    e = entry_fields(decision, "in", [] if decision == "admit" else ["visitor_declared_risk"])
    e["credential"] = {"kind": "day_pass", "pass_id": "0a0b0c0d0e0f0a0b", "role": "visitor"}
    e["visitor"] = {"name": "", "going_to": "3-2-501", **({"coming_from": origin} if origin else {})}
    return e


def override(name: str, decision: str) -> dict:
    return {**entry_fields(decision, "in", ["override"]), "operator": {"name": name, "reason": "认识此人"}}


def seed(storage, tmp_path) -> None:
    north = ([entry_fields() for _ in range(5)] + [entry_fields(direction="out") for _ in range(3)]
             + [entry_fields("deny", reasons=["fever"], temperature=38.3, household="2-1-101")]
             + [entry_fields("deny", "out", ["quarantine_exit"], household="6-1-601")]
             + [visitor("410100"), visitor("410200"), visitor("110000"), visitor(None), visitor("410100", "refer")]
             + [override("王志愿", "admit"), override("王志愿", "admit"), override("李志愿", "deny")])
    south = ([entry_fields(direction="out") for _ in range(2)]
             + [entry_fields("refer", reasons=["no_temperature"]), entry_fields("deny", reasons=["revoked"])])
    storage.store([Batch("demo-site", "north", journal_entries(tmp_path, "north", north)),
                   Batch("demo-site", "south", journal_entries(tmp_path, "south", south))])


def check(report) -> None:
    assert report.entries == 22
    north, south = report.gates["north"], report.gates["south"]
    assert (north["in_admit"], north["out_admit"], north["in_deny"], north["out_deny"]) == (5 + 4 + 2, 3, 2, 1)
    assert (south["in_admit"], south["out_admit"], south["in_refer"], south["in_deny"]) == (0, 2, 1, 1)
    assert report.denied == {"fever": 1, "quarantine_exit": 1, "revoked": 1, "override": 1}
    assert [(f["gate"], f["household"], f["temperature_c"]) for f in report.fevers] == [("north", "2-1-101", 38.3)]
    assert [(q["gate"], q["household"]) for q in report.quarantine_exits] == [("north", "6-1-601")]
    assert report.visitors == 4
    assert report.province_rows() == [("410000", "河南省", 2), ("110000", "北京市", 1), ("other", "", 1)]
    assert {k: dict(v) for k, v in report.overrides.items()} == {"王志愿": {"admit": 2}, "李志愿": {"deny": 1}}


def test_the_days_figures(storage, tmp_path):
    seed(storage, tmp_path)
    today = datetime.now(TZ).date()
    check(daily(storage, "demo-site", today, TZ))
    assert daily(storage, "demo-site", today - timedelta(days=1), TZ).entries == 0
    assert daily(storage, "other-site", today, TZ).entries == 0


def _sheet_rows(data) -> list[tuple]:
    import io

    wb = load_workbook(io.BytesIO(data) if isinstance(data, bytes) else data)
    try:
        return [tuple(v for v in row if v is not None) for row in wb.active.iter_rows(values_only=True)]
    finally:
        wb.close()


def test_the_console_page_and_excel_say_the_same_and_are_audited(client, console_app, storage, tmp_path):
    seed(storage, tmp_path)
    login(client, *VIEWER)
    day = datetime.now(TZ).date().isoformat()
    page = client.get(f"/console/report?day={day}").get_data(as_text=True)
    assert f"demo-site 门岗日报 {day}" in page and "北京时间 UTC+8" in page
    assert "<td>河南省</td><td>410000</td><td>2</td>" in page and "<td>王志愿</td><td>2</td>" in page
    rows = _sheet_rows(client.get(f"/console/report.xlsx?day={day}").get_data())
    assert ("north", 11, 3, 3, 1) in rows and ("河南省", "410000", 2) in rows and ("李志愿", 0, 1, 0) in rows
    assert ("发热", "fever", 1) in rows
    log = console_app.extensions["console"].store.audit_log(action="report")
    assert [(a["actor"], a["detail"]["format"], a["detail"]["entries"]) for a in log] == \
        [(VIEWER[0], "xlsx", 22), (VIEWER[0], "page", 22)]


def test_the_report_command_and_the_daily_scheduler(tmp_path):
    from sync.server import config
    from sync.server.console.store import ConsoleStore
    from sync.server.report.files import DailyReports, report_path
    from sync.server.storage.sqlite import SQLiteStorage

    state = tmp_path / "state"
    storage = SQLiteStorage(state / "server.sqlite3")
    try:
        seed(storage, tmp_path)
    finally:
        storage.close()
    cfg_path = tmp_path / "server.toml"
    cfg_path.write_text(f'[server]\nstate_dir = "{state}"\n')
    day = datetime.now(TZ).date().isoformat()
    out = tmp_path / "out.xlsx"
    r = subprocess.run([sys.executable, "-m", "sync.server.cli", "report", "--config", str(cfg_path), "--day", day,
                        "-o", str(out), "--actor", "street-office"], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stderr
    assert ("河南省", "410000", 2) in _sheet_rows(out)
    bad = subprocess.run([sys.executable, "-m", "sync.server.cli", "report", "--config", str(cfg_path), "--day",
                          "yesterday", "-o", str(out)], capture_output=True, text=True, cwd=REPO)
    assert bad.returncode == 2 and "--day 'yesterday'" in bad.stderr

    # The scheduler: due a moment from now, it writes the day before into the folder.
    at = (datetime.now(TZ) + timedelta(seconds=2)).time().replace(microsecond=0)
    cfg = config.from_dict({"server": {"state_dir": str(state)},
                            "reports": {"daily_at": at.isoformat(), "folder": str(tmp_path / "reports")}})
    storage = SQLiteStorage(state / "server.sqlite3")
    reports = DailyReports(storage, cfg)
    try:
        reports.start()
        yesterday = datetime.now(TZ).date() - timedelta(days=1)
        written = report_path(tmp_path / "reports", "demo-site", yesterday)
        # The file is written before its audit row: wait for the row, the run's last step.
        expected = {("street-office", day), ("scheduler", yesterday.isoformat())}
        wait_until(lambda: {(a["actor"], a["detail"]["day"])
                            for a in ConsoleStore(storage).audit_log(action="report")} == expected,
                   30, "the scheduled report's audit row")
        assert written.exists()
        assert reports.next_run(datetime.now(TZ)) > datetime.now(TZ)
    finally:
        reports.stop()
        storage.close()
