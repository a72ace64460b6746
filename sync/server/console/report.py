"""日报: a site's day as the street office asks for it, on a printable page or as Excel."""

from __future__ import annotations

import io
from datetime import date, timedelta

from flask import Blueprint, Response, current_app, render_template, request

from sync import vocabulary
from sync.server.console import i18n
from sync.server.console.auth import actor, login_required
from sync.server.report import daily
from sync.server.report.excel import rows, write_excel

bp = Blueprint("report", __name__, template_folder="templates")


def _console():
    return current_app.extensions["console"]


def _day() -> date:
    try:
        return date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return _console().today() - timedelta(days=1)   # the last whole day


def _report(day: date, lang: str):
    con = _console()
    site = request.args.get("site") or con.site
    return daily(con.store.storage, site, day, con.tz, vocabulary.zone_label(con.tz, lang))


def _audit(report, fmt: str) -> None:
    _console().store.audit(actor(), "report", {"site": report.site, "day": report.day.isoformat(), "format": fmt,
                                               "entries": report.entries}, request.remote_addr)


@bp.get("/report")
@login_required
def index():
    lang = i18n.current_language()
    report = _report(_day(), lang)
    _audit(report, "page")
    return render_template("console/report.html", report=report, table=rows(report, lang))


@bp.get("/report.xlsx")
@login_required
def excel():
    lang = i18n.current_language()
    report = _report(_day(), lang)
    buf = io.BytesIO()
    write_excel(report, lang, buf)
    _audit(report, "xlsx")
    name = f"report-{report.site}-{report.day.isoformat()}.xlsx"
    return Response(buf.getvalue(), headers={"Content-Disposition": f'attachment; filename="{name}"'},
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
