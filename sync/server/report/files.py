"""The daily report written to a file: by `community-server report` and, every day at
``[reports] daily_at``, by the server's scheduler thread. Each is audited like an export."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sync import vocabulary
from sync.privatefile import private_output
from sync.server.background import BackgroundTask
from sync.server.report import daily
from sync.server.report.excel import write_excel

log = logging.getLogger(__name__)


def write_report(storage, cfg, day: date, out: Path, *, site: str | None = None, actor: str) -> int:
    """Write ``day``'s report of ``site`` (default: the console's) as Excel; returns its entries."""
    from sync.server.console.store import ConsoleStore

    tz, lang = ZoneInfo(cfg.console.timezone), cfg.console.language
    report = daily(storage, site or cfg.console.site, day, tz, vocabulary.zone_label(tz, lang))
    out.parent.mkdir(parents=True, exist_ok=True)
    with private_output(out) as f:    # names of the people alerted on: the office's alone
        write_excel(report, lang, f)
    ConsoleStore(storage).audit(actor, "report", {"site": report.site, "day": day.isoformat(), "format": "xlsx",
                                                  "entries": report.entries, "file": out.name})
    return report.entries


def report_path(folder: Path, site: str, day: date) -> Path:
    return folder / f"report-{site}-{day.isoformat()}.xlsx"


class DailyReports(BackgroundTask):
    """Each day at ``daily_at`` (the site's clock), the last whole day's report into the folder."""

    thread_name = "daily-report"

    def __init__(self, storage, cfg) -> None:
        self.storage, self.cfg = storage, cfg
        self.tz = ZoneInfo(cfg.console.timezone)
        super().__init__()
        self.written: list[Path] = []

    def wanted(self) -> bool:
        return self.cfg.reports.daily_at is not None

    def next_run(self, now: datetime) -> datetime:
        at = datetime.combine(now.date(), self.cfg.reports.daily_at, tzinfo=self.tz)
        return at if at > now else at + timedelta(days=1)

    def _run(self) -> None:
        while True:
            now = datetime.now(self.tz)
            if self._stop.wait(max(0.0, (self.next_run(now) - now).total_seconds())):
                return
            day = datetime.now(self.tz).date() - timedelta(days=1)
            out = report_path(self.cfg.reports.folder, self.cfg.console.site, day)
            try:
                write_report(self.storage, self.cfg, day, out, actor="scheduler")
                self.written.append(out)
                log.info("daily report for %s written to %s", day, out)
            except Exception:   # the next day tries again; the server keeps collecting
                log.exception("daily report for %s could not be written to %s", day, out)
