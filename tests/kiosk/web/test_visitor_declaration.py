"""The visitor declaration follows the screening mode: the office's questions, carried by
the registry and versioned; in `off` only name, phone and the household visited."""

from __future__ import annotations

from datetime import datetime, timezone

from kiosk.registry import Registry
from tests.kiosk.web.forms import csrf_token
from tests.kiosk.web.kiosk_process import PIN

WHO = {"name": "李华", "phone": "13800138000", "going_to": "3-2-501", "pin": PIN}
EPIDEMIC = ("id_number", "coming_from", "heading_to", "contact", "symptoms")


def _site(runtime, version: int, mode: str, questions_version: int = 4) -> None:
    runtime.registry.offer(Registry.from_dict({"version": version, "rules": {
        "screening": {"mode": mode}, "visitor_questions": {"version": questions_version}}}))


def _register(client, form: dict):
    return client.post("/visitors/", json=form, headers={"X-CSRFToken": csrf_token(client)})


def test_in_off_a_visitor_gives_only_who_they_are_and_whom_they_visit(client, runtime):
    _site(runtime, 2, "off")
    page = client.get("/visitors/new").get_data(as_text=True)
    assert all(f'data-testid="visitor-{q}"' in page for q in ("name", "phone", "going_to"))
    assert not any(f'data-testid="visitor-{q}' in page for q in EPIDEMIC), "an epidemic question asked in off"
    r = _register(client, WHO)
    assert r.status_code == 200, r.get_json()
    answers = runtime.gatekeeper.book.answers(r.get_json()["pass_id"], datetime.now(timezone.utc))
    assert answers.model_dump(exclude_none=True) == {"name": "李华", "phone": "13800138000", "going_to": "3-2-501",
                                                     "questions_version": 4}
    assert not answers.declares_risk


def test_while_screening_the_epidemic_questions_are_asked_and_required(client, runtime):
    _site(runtime, 3, "record", questions_version=5)
    page = client.get("/visitors/new").get_data(as_text=True)
    assert all(f'data-testid="visitor-{q}' in page for q in EPIDEMIC)
    r = _register(client, WHO)
    assert r.status_code == 400 and set(r.get_json()["fields"]) == set(EPIDEMIC)
    r = _register(client, WHO | {"id_number": "11010519491231002x", "coming_from": "海淀", "heading_to": "回家",
                                 "contact": "no", "symptoms": "yes"})
    assert r.status_code == 200
    answers = runtime.gatekeeper.book.answers(r.get_json()["pass_id"], datetime.now(timezone.utc))
    assert (answers.questions_version, answers.symptoms, answers.id_masked) == (5, True, "110105********002X")
