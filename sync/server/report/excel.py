"""The daily report as an Excel workbook: one sheet, one block per question, headed in
the console's language; every cell written as a value (nothing a spreadsheet runs)."""

from __future__ import annotations

from typing import BinaryIO

from sync import vocabulary
from sync.server.report import DailyReport


def rows(report: DailyReport, lang: str) -> list[list]:
    """The report as the rows of a sheet (also what the printable page shows)."""
    from sync.server.console.i18n import translate

    t = lambda key, **kw: translate(lang, key, **kw)  # noqa: E731
    word = lambda kind, code: vocabulary.word(kind, code, lang)  # noqa: E731
    out: list[list] = [[t("report.title", site=report.site, day=report.day.isoformat())],
                       [t("report.zone", zone=report.zone), t("report.entries", n=report.entries)], []]
    out.append([t("report.gates")])
    out.append([t("col.gate"), t("report.in_admitted"), t("report.out_admitted"), t("report.denied"),
                t("report.referred")])
    for gate, c in sorted(report.gates.items()):
        out.append([gate, c["in_admit"], c["out_admit"], c["in_deny"] + c["out_deny"],
                    c["in_refer"] + c["out_refer"]])
    out += [[], [t("report.denied_reasons")], [t("col.reason"), t("report.reason_code"), t("report.count")]]
    out += [[word("reason", r), r, n] for r, n in report.denied.most_common()]
    out += [[], [t("report.fevers", n=len(report.fevers))],
            [t("col.time"), t("col.gate"), t("col.household"), t("col.temperature"), t("col.decision")]]
    out += [[f["time"], f["gate"], f["household"], f["temperature_c"], word("decision", f["decision"])]
            for f in report.fevers]
    out += [[], [t("report.visitors", n=report.visitors)], [t("report.province"), t("report.province_code"),
                                                            t("report.count")]]
    out += [[name or t("report.province_other"), "" if code == "other" else code, n]
            for code, name, n in report.province_rows()]
    out += [[], [t("report.quarantine_exits", n=len(report.quarantine_exits))],
            [t("col.time"), t("col.gate"), t("col.household")]]
    out += [[q["time"], q["gate"], q["household"]] for q in report.quarantine_exits]
    out += [[], [t("report.overrides")], [t("report.volunteer"), word("decision", "admit"), word("decision", "deny"),
                                          word("decision", "refer")]]
    out += [[name, c["admit"], c["deny"], c["refer"]] for name, c in sorted(report.overrides.items())]
    return out


def write_excel(report: DailyReport, lang: str, out: BinaryIO) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(report.day.isoformat())
    for row in rows(report, lang):
        cells = []
        for value in row:
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, str):
                cell.data_type = "s"   # a volunteer's name or a gate is text, never a formula
            cells.append(cell)
        ws.append(cells)
    wb.save(out)
