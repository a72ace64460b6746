"""The daily report (日报) the street office asks of a community, per site and day: in and
out per gate, denials with their reasons, fevers, visitors by province of origin,
attempted quarantine exits and overrides per volunteer.

``daily(storage, site, day, tz)`` counts it from the stored entries of that local day;
``excel`` writes it as a workbook, the console shows it as a printable page, the
``community-server report`` command and the ``[reports] daily_at`` scheduler write files.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sync import divisions
from sync.server.storage import EntryQuery

FEVERS = ("fever", "fever_recorded")
OTHER_PROVINCE = "other"   # an origin not given, or not a GB/T 2260 code


@dataclass
class DailyReport:
    site: str
    day: date
    zone: str
    gates: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    denied: Counter = field(default_factory=Counter)          # reason code -> entries denied for it
    fevers: list[dict] = field(default_factory=list)
    visitors: int = 0
    provinces: Counter = field(default_factory=Counter)       # province code (or "other") -> visitors
    quarantine_exits: list[dict] = field(default_factory=list)
    overrides: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))  # volunteer -> decisions
    entries: int = 0

    def province_rows(self) -> list[tuple[str, str, int]]:
        """(code, name, visitors), most visitors first."""
        rows = []
        for code, n in self.provinces.most_common():
            d = divisions.lookup(code) if code != OTHER_PROVINCE else None
            rows.append((code, d.name if d else "", n))
        return rows


def day_bounds(day: date, tz) -> tuple[str, str]:
    """The local day as the UTC ISO range the entries are stored in."""
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(timezone.utc)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(timezone.utc)
    iso = lambda t: t.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"  # noqa: E731
    return iso(start), iso(end)


def _province(visitor: dict) -> str:
    for key in ("origin", "coming_from"):
        code = visitor.get(key)
        if isinstance(code, str) and len(code) == 6 and code.isdigit() and divisions.lookup(code):
            return code[:2] + "0000"
    return OTHER_PROVINCE


def daily(storage, site: str, day: date, tz, zone: str = "") -> DailyReport:
    since, until = day_bounds(day, tz)
    report = DailyReport(site, day, zone)
    for item in storage.iter_entries(EntryQuery(site=site, since=since, until=until)):
        _count(report, item, tz)
    return report


def _count(report: DailyReport, item: dict[str, Any], tz) -> None:
    e, decision, direction = item["entry"], item["decision"], item["direction"]
    reasons = [r for r in (item["reasons"] or "").split(",") if r]
    report.entries += 1
    gate = report.gates[item["gate"]]
    gate[f"{direction}_{decision}"] += 1
    when = datetime.fromisoformat(item["ts"].replace("Z", "+00:00")).astimezone(tz).strftime("%H:%M:%S")
    row = {"time": when, "gate": item["gate"], "household": item["household"] or "",
           "temperature_c": item["temperature_c"]}
    if decision == "deny":
        report.denied.update(reasons)
    if any(r in FEVERS for r in reasons):
        report.fevers.append({**row, "decision": decision})
    if "quarantine_exit" in reasons:
        report.quarantine_exits.append(row)
    visitor = e.get("visitor") if isinstance(e.get("visitor"), dict) else None
    if visitor is not None and direction == "in" and decision == "admit":
        report.visitors += 1
        report.provinces[_province(visitor)] += 1
    operator = e.get("operator") if isinstance(e.get("operator"), dict) else None
    if "override" in reasons and operator and isinstance(operator.get("name"), str):
        report.overrides[operator["name"]][decision] += 1
