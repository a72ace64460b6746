"""Entries: the filtered, paged, live-updating table; one entry's detail; exports."""

from __future__ import annotations

import json
import math
from typing import Any

from flask import Blueprint, abort, current_app, g, jsonify, render_template, request

from sync.screening import MODES
from sync.server.console import i18n
from sync.server.console.auth import actor, login_required
from sync.server.console.paging import page_numbers, page_size, page_sizes, parse_cursor, cursor_of
from sync.server.console.query import REASONS, FilterError, describe_filters, filter_values, local_time, parse_filters
from sync.server.api import EXPORT_FORMATS, stream_export
from sync.server.export import credential_label
from sync.server.visitors.store import DeclarationStore

bp = Blueprint("entries", __name__, template_folder="templates")

def _console():
    return current_app.extensions["console"]


def entry_row(item: dict[str, Any], tz) -> dict[str, Any]:
    e = item["entry"]
    cred = e.get("credential") if isinstance(e.get("credential"), dict) else {}
    pass_id = cred.get("pass_id") if isinstance(cred.get("pass_id"), str) else ""
    return {
        "site": item["site"], "gate": item["gate"], "seq": item["seq"],
        "time": local_time(item["ts"], tz), "direction": item["direction"], "decision": item["decision"],
        "reasons": [r for r in item["reasons"].split(",") if r], "household": item["household"] or "",
        "pass_id": pass_id, "credential": credential_label(e), "kind": item["credential_kind"] or "",
        "temperature_c": item["temperature_c"], "hash_ok": bool(item["hash_ok"]),
        "screening": item["screening"],
    }


def _page(args) -> dict[str, Any]:
    con = _console()
    q = parse_filters(args, con.tz)
    size = page_size(args.get("size"), con.settings.page_size)
    total = con.store.count_entries(q)
    pages = max(1, math.ceil(total / size))
    try:
        page = min(max(1, int(args.get("page", 1))), pages)
    except ValueError:
        page = 1
    after, before = parse_cursor(args.get("after")), parse_cursor(args.get("before"))
    items = []
    if page > 1 and (after or before):
        items = con.store.entries_page(q, limit=size, after=after, before=before)
    if not items:  # a jump, the first page, or a cursor that no longer finds its rows
        items = con.store.entries_page(q, limit=size, offset=(page - 1) * size)
    rows = [entry_row(item, con.tz) for item in items]
    return {"total": total, "page": page, "pages": pages, "size": size, "rows": rows,
            "first_key": cursor_of(items[0]) if items else None, "last_key": cursor_of(items[-1]) if items else None}


@bp.get("/entries")
@login_required
def index():
    con = _console()
    filters = filter_values(request.args)
    try:
        data = _page(request.args)
        error = None
    except FilterError as exc:
        data = {"total": 0, "page": 1, "pages": 1, "size": page_size(None, con.settings.page_size), "rows": []}
        error = (exc.field, exc.hint)
    gates = sorted({g["gate"] for g in con.store.storage.gates()})
    return render_template("console/entries.html", data=data, filters=filters, error=error, gates=gates,
                           reasons=REASONS, modes=MODES, numbers=page_numbers(data["page"], data["pages"]),
                           sizes=page_sizes(con.settings.page_size), matched=describe_filters(filters))


@bp.get("/entries/data")
@login_required
def data():
    try:
        return jsonify(_page(request.args))
    except FilterError as exc:
        return jsonify(error=str(exc), field=exc.field), 400


@bp.get("/entries/<site>/<gate>/<int:seq>")
@login_required
def detail(site: str, gate: str, seq: int):
    con = _console()
    item = con.store.entry(site, gate, seq)
    if item is None:
        abort(404)
    storage = con.store.storage
    issues = storage.chain_issues(site, gate)
    chain = {
        "hash_ok": bool(item["hash_ok"]),
        # Below the gate's contiguous seq, every link back to the first entry was checked.
        "linked": seq <= storage.contiguous_seq(site, gate),
        "issues": [i for i in issues if i["seq"] == seq],
    }
    chain["ok"] = chain["hash_ok"] and chain["linked"] and not chain["issues"]
    row = entry_row(item, con.tz)
    # Admins follow a visitor's entry to what the visitor declared on their phone.
    declared = bool(row["pass_id"] and g.user["role"] == "admin" and DeclarationStore(storage).get(row["pass_id"]))
    return render_template("console/entry.html", item=item, row=row, chain=chain, declared=declared,
                           body=json.dumps(item["entry"], ensure_ascii=False, indent=2, sort_keys=True))


@bp.get("/entries/export.<fmt>")
@login_required
def export(fmt: str):
    if fmt not in EXPORT_FORMATS:
        abort(404)
    con = _console()
    try:
        q = parse_filters(request.args, con.tz)
    except FilterError as exc:
        return jsonify(error=str(exc), field=exc.field), 400
    who, ip = actor(), request.remote_addr

    def audit(rows: int) -> None:
        con.store.audit(who, "export", {"format": fmt, "filters": q.describe(), "rows": rows}, ip)

    return stream_export(con.store.storage, q, fmt, who, con.export_view(i18n.current_language()), after=audit)
