"""防疫模式: the site's epidemic screening — the mode, the fever threshold, the re-measure
rule and the skin-to-body offset — set by an admin, audited, and published to every
kiosk at once in the signed registry (sync/screening.py is the contract)."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from pydantic import ValidationError

from sync.screening import MODES, OPTIONAL_QUESTIONS, Declaration, Screening, from_rules
from sync.server.console import registry_content
from sync.server.console.auth import actor, admin_required, login_required
from sync.server.console.registry_content import notify_published

bp = Blueprint("screening", __name__, template_folder="templates")
FIELDS = ("mode", "fever_c", "remeasure", "offset_c")


def _console():
    return current_app.extensions["console"]


def current() -> tuple[Screening, Declaration]:
    """The screening and visitor questions last published for the console's site."""
    return from_rules(registry_content.published_rules(_console()))


def _page(form: dict, error: str | None = None, status: int = 200):
    return render_template("console/screening.html", form=form, modes=MODES, error=error,
                           questions=current()[1], optional=OPTIONAL_QUESTIONS), status


@bp.get("/screening")
@login_required
def index():
    s = current()[0]
    form = {"mode": s.mode, "fever_c": "" if s.fever_c is None else f"{s.fever_c:g}",
            "remeasure": "" if s.remeasure is None else ("yes" if s.remeasure else "no"),
            "offset_c": "" if s.offset_c is None else f"{s.offset_c:g}"}
    return _page(form)


def parse_form(form: dict) -> Screening:
    """The form as a Screening; an empty field leaves that value to each kiosk's config.
    Raises ValueError naming the field."""
    values = {"mode": form.get("mode") or None,
              "remeasure": {"yes": True, "no": False}.get(form.get("remeasure", ""))}
    for key in ("fever_c", "offset_c"):
        text = form.get(key, "").strip()
        try:
            values[key] = float(text) if text else None
        except ValueError:
            raise ValueError(key) from None
    try:
        return Screening.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        raise ValueError(str(exc.errors()[0]["loc"][0])) from None


@bp.post("/screening")
@admin_required
def change():
    con = _console()
    form = {k: request.form.get(k, "").strip() for k in FIELDS}
    try:
        new = parse_form(form)
    except ValueError as exc:
        return _page(form, f"screening.bad_{exc}", 400)
    before, questions = current()
    settings = new.model_dump(exclude_none=True)
    rules = {"screening": settings}
    if request.form.get("questions"):       # the form showed the questions: take them as ticked
        ticked = Declaration(version=questions.version, **{
            k: [q for q in request.form.getlist(f"ask_{k}") if q in OPTIONAL_QUESTIONS]
            for k in ("screening", "everyday")})
        if ticked != questions:
            questions = ticked.model_copy(update={"version": questions.version + 1})
        rules["visitor_questions"] = questions.model_dump(mode="json")
    con.store.audit(actor(), "screening_set", {"site": con.site, "from": before.model_dump(exclude_none=True),
                                               "to": settings, "questions_version": questions.version},
                    request.remote_addr)
    notify_published(registry_content.publish(con, actor(), f"screening {new.mode}", rules=rules))
    return redirect(url_for("screening.index"))
