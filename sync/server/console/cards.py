"""Access cards (门禁卡): bind a card to a resident by typing its number (a desk card
reader types into the same field), import a list of cards, revoke a lost one. Each
change is published to the kiosks at once, like a revoked pass.

The console never keeps a card's number: at once it becomes the card's keyed digests
under the site's card key (sync/cards.py) and a masked form.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from sync.cardnumbers import CardFormatError, mask, normalise
from sync.cards import forms
from sync.server.console import registry_content
from sync.server.console.auth import actor, admin_required
from sync.server.console.registry_content import notify_published
from sync.server.console.roster import read_table

bp = Blueprint("cards", __name__, template_folder="templates")

DEFAULT_FORMAT = "dec10"        # what most desk readers sold with 门禁卡 type: 10 decimal digits
HEADERS = {
    "household": ("household", "户", "户号", "住户"), "building": ("building", "楼栋", "楼号", "栋"),
    "unit": ("unit", "单元"), "room": ("room", "房号", "室"), "card": ("card", "卡号", "门禁卡", "card number"),
    "format": ("format", "card_format", "格式"), "name": ("name", "姓名"),
}


def _console():
    return current_app.extensions["console"]


def card_record(store, card_key: str, household: str, typed: str, card_format: str,
                resident_id: str | None = None) -> dict:
    """A card to bind, checked; raises ValueError saying what is wrong."""
    canonical = normalise(typed, card_format)
    card_forms = forms(card_key, canonical)
    full = card_forms[str(len(canonical))]
    taken = store.active_card(full)
    if taken is not None:
        raise ValueError(f"card {mask(canonical)} is already bound to {taken['household']}; revoke it there first")
    return {"household": household, "resident_id": resident_id, "full_digest": full, "forms": card_forms,
            "masked": mask(canonical)}


def bound_card(store, typed: str, card_format: str = DEFAULT_FORMAT) -> tuple[dict | None, str]:
    """The card in force bound with this number (None when there is none), and the
    number masked; raises CardFormatError (a ValueError) saying what is wrong with it."""
    canonical = normalise(typed, card_format)
    return store.active_card(forms(store.card_key(), canonical)[str(len(canonical))]), mask(canonical)


def parse_cards(rows: list[list[str]], store, card_key: str) -> tuple[list[dict], list[tuple[int, str]]]:
    """Records from a cards list (household or building/unit/room, card, optional format
    and resident name), and every bad row with its number."""
    if not rows:
        return [], [(0, "the file is empty")]
    header = [h.strip().lower() for h in rows[0]]
    col = {k: next((i for i, h in enumerate(header) if h in names), None) for k, names in HEADERS.items()}
    if col["card"] is None or (col["household"] is None and None in (col["building"], col["unit"], col["room"])):
        return [], [(1, "the header must name card (卡号) and household (户号) or building, unit and room")]
    records, errors, seen = [], [], set()
    for n, row in enumerate(rows[1:], start=2):
        cell = lambda k: row[col[k]].strip() if col[k] is not None and col[k] < len(row) else ""  # noqa: E731
        if not any(c.strip() for c in row):
            continue
        household = cell("household") or "-".join((cell("building"), cell("unit"), cell("room")))
        if store.household(household) is None:
            errors.append((n, f"household {household!r} is not in the residents list"))
            continue
        resident_id = None
        if cell("name"):
            match = [r for r in store.residents(household=household) if r["name"] == cell("name")]
            if not match:
                errors.append((n, f"no resident {cell('name')!r} in {household}"))
                continue
            resident_id = match[0]["id"]
        try:
            record = card_record(store, card_key, household, cell("card"), cell("format") or DEFAULT_FORMAT,
                                 resident_id)
        except (CardFormatError, ValueError) as exc:
            errors.append((n, str(exc)))
            continue
        if record["full_digest"] in seen:
            errors.append((n, f"card {record['masked']} appears twice in the file"))
            continue
        seen.add(record["full_digest"])
        records.append(record)
    return records, errors


def _publish(con, reason: str) -> None:
    if con.publish is not None:
        notify_published(registry_content.publish(con, actor(), reason))


@bp.post("/households/<hid>/cards")
@admin_required
def assign(hid: str):
    con = _console()
    if con.store.household(hid) is None:
        abort(404)
    rid = request.form.get("resident") or None
    if rid is not None and (con.store.resident(rid) or {}).get("household") != hid:
        abort(400, description="that resident does not live in this household")
    try:
        record = card_record(con.store, con.store.card_key(), hid, request.form.get("card", ""),
                             request.form.get("card_format", DEFAULT_FORMAT), rid)
    except (CardFormatError, ValueError) as exc:
        con.store.audit(actor(), "card_assign_rejected", {"household": hid, "why": str(exc)}, request.remote_addr)
        abort(400, description=str(exc))
    con.store.add_cards([record], actor())
    con.store.audit(actor(), "card_assign", {"resident": rid, "household": hid, "card": record["masked"]},
                    request.remote_addr)
    _publish(con, f"card {record['masked']} bound to {hid}")
    return redirect(url_for("households.detail", hid=hid))


@bp.post("/cards/import")
@admin_required
def import_():
    con = _console()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        abort(400, description="no file")
    try:
        records, errors = parse_cards(read_table(upload.filename, upload.read()), con.store, con.store.card_key())
    except ValueError as exc:
        records, errors = [], [(0, str(exc))]
    if errors:
        con.store.audit(actor(), "cards_import_rejected", {"file": upload.filename, "errors": len(errors)},
                        request.remote_addr)
        return render_template("console/cards_import.html", errors=errors[:100], error_count=len(errors)), 400
    con.store.add_cards(records, actor())
    con.store.audit(actor(), "cards_import", {"file": upload.filename, "added": len(records)}, request.remote_addr)
    _publish(con, f"{len(records)} cards imported")
    return render_template("console/cards_import.html", errors=[], error_count=0, added=len(records))


@bp.post("/cards/<cid>/revoke")
@admin_required
def revoke(cid: str):
    con = _console()
    card = con.store.card(cid)
    if card is None:
        abort(404)
    if con.store.revoke_card(cid, actor()):
        con.store.audit(actor(), "card_revoke", {"card": card["masked"], "household": card["household"]},
                        request.remote_addr)
        _publish(con, f"card {card['masked']} revoked")
    return redirect(url_for("households.detail", hid=card["household"]))
