"""The phone page asks what the site's 防疫模式 asks (issue 22 §3): while off only who the
visitor is and whom they visit, while screening the epidemic questions too; the answers
are kept with the version of the questions, and the pass carries only the answers asked,
which the kiosk then judges by the mode of the moment."""

from __future__ import annotations

from datetime import datetime, timezone

from kiosk import credentials, i18n
from kiosk.policy import decide
from kiosk.registry import Registry
from kiosk.temperature import TemperatureResult
from sync import passes
from sync.server.visitors.store import DeclarationStore
from tests.sync.server.consolekit import ADMIN, login, token

EPIDEMIC_FIELDS = ("field-province", "field-origin", "field-heading_to", "field-contact", "field-symptoms")
IDENTITY_ONLY = {"province": None, "origin": None, "heading_to": None, "contact": None, "symptoms": None}


def _set_mode(visitor_app, mode: str, **rules) -> None:
    """As an admin does on the console's 防疫模式 page, which publishes the registry."""
    admin = visitor_app.test_client()
    login(admin, *ADMIN)
    r = admin.post("/console/screening", data={"csrf_token": token(admin, "/console/screening"), "mode": mode,
                                                "fever_c": "", "remeasure": "", "offset_c": "", **rules})
    assert r.status_code == 302, r.get_data(as_text=True)


def _site_registry(storage) -> Registry:
    """The registry the kiosks get: what the console last published."""
    env = storage.latest_registry("demo-site")
    return Registry.from_dict({**env["registry"], "version": env["version"]})


def _admitting(registry: Registry) -> Registry:
    """The site's rule set to admit phone registrations without a volunteer."""
    rules = registry.rules.model_copy(update={"self_registered_visitors": "admit"})
    return registry.model_copy(update={"rules": rules})


def _declared(visitor_app, response) -> dict:
    assert response.status_code == 303, response.get_data(as_text=True)
    pass_id = response.headers["Location"].split("/p/")[1].split("?")[0]
    return DeclarationStore(visitor_app.extensions["visitor_page"].registrar.declarations.storage).get(pass_id)


def _verdict(registry: Registry, pass_text: str) -> tuple[str, tuple[str, ...]]:
    now = datetime.now(timezone.utc)
    a = credentials.assess(credentials.parse(pass_text), registry, now, b"s" * 32, site="demo-site")
    d = decide(a, TemperatureResult("ok", 36.5), direction="in", now=now, site=registry.rules)
    return d.decision, d.reasons


def test_while_off_the_page_asks_only_who_and_whom_and_the_pass_carries_no_health_answer(
        visitor_app, phone, fill, storage):
    _set_mode(visitor_app, "off")
    page = phone.get("/v/").get_data(as_text=True)
    assert 'data-testid="field-name"' in page and 'data-testid="field-room"' in page
    assert not [f for f in EPIDEMIC_FIELDS if f'data-testid="{f}"' in page]
    row = _declared(visitor_app, fill(**IDENTITY_ONLY))
    assert (row["origin"], row["heading_to"], row["contact"], row["symptoms"]) == (None, None, None, None)
    claims = passes.parse(row["pass_text"]).payload.visitor
    assert (claims.origin, claims.contact, claims.symptoms) == (None, None, None)

    # At the gate, still off: the site's rule decides, as for any phone pass.
    assert _verdict(_site_registry(storage), row["pass_text"]) == ("refer", ("visitor_self_registered",))
    assert _verdict(_admitting(_site_registry(storage)), row["pass_text"]) == ("admit", ())


def test_while_off_answers_sent_anyway_are_not_kept(visitor_app, fill):
    _set_mode(visitor_app, "off")
    row = _declared(visitor_app, fill(contact="yes"))
    assert row["contact"] is None and not passes.parse(row["pass_text"]).payload.visitor.declares_risk


def test_in_enforce_all_four_epidemic_questions_are_required(visitor_app, phone, fill):
    _set_mode(visitor_app, "enforce")
    page = phone.get("/v/").get_data(as_text=True)
    assert all(f'data-testid="{f}"' in page for f in EPIDEMIC_FIELDS)
    assert 'value="yes" required checked' not in page and 'value="no" checked' not in page    # no default
    r = fill(**IDENTITY_ONLY)
    assert r.status_code == 400
    body = r.get_data(as_text=True)
    assert all(f'data-testid="error-{f}"' in body for f in ("origin", "heading_to", "contact", "symptoms"))
    row = _declared(visitor_app, fill())
    assert (row["origin"], row["heading_to"], row["contact"], row["symptoms"]) == ("410100", "探亲", False, False)


def test_a_declaration_keeps_the_version_of_the_questions_it_answered(visitor_app, fill):
    _set_mode(visitor_app, "record")
    first = _declared(visitor_app, fill())
    # The office drops "where going" from the screening questions: a new version.
    _set_mode(visitor_app, "record", questions="1", ask_screening=["coming_from", "contact", "symptoms"])
    second = _declared(visitor_app, fill(heading_to=None, phone="13900139000"))
    assert (first["questions_version"], second["questions_version"]) == (1, 2)
    assert (first["heading_to"], second["heading_to"]) == ("探亲", None)


def test_a_pass_made_while_off_is_referred_with_words_once_screening_is_enforced(visitor_app, fill, storage):
    _set_mode(visitor_app, "off")
    row = _declared(visitor_app, fill(**IDENTITY_ONLY))
    _set_mode(visitor_app, "enforce")
    assert _verdict(_admitting(_site_registry(storage)), row["pass_text"]) == ("refer", ("visitor_unscreened",))
    assert i18n.reason("visitor_unscreened", "zh") == "访客在手机登记时未答防疫问题，请询问后登记"
    assert "screening questions" in i18n.reason("visitor_unscreened", "en")


def test_the_console_says_a_declaration_made_while_off_was_not_asked(visitor_app, fill):
    _set_mode(visitor_app, "off")
    _declared(visitor_app, fill(**IDENTITY_ONLY))
    admin = visitor_app.test_client()
    login(admin, *ADMIN)
    page = admin.get("/console/visitors").get_data(as_text=True)
    assert "未问（防疫模式关闭）" in page and ">无<" not in page
