"""Worker passes from the console: one on a household's page or a list, printed with
the building's sheet, refused by the kiosk outside its windows."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

from kiosk import credentials, passes
from kiosk.policy import decide
from kiosk.registry import Registry
from kiosk.temperature import TemperatureResult
from tests.sync.server.consolekit import ADMIN, login, token

HOUSE = "/console/households/3-2-501"


def _setup(console_app):
    con = console_app.extensions["console"]
    con.store.import_residents([{"building": "3", "unit": "2", "room": "501", "name": "张伟", "phone": ""}])
    return con


def _decide(published, text: str, when: datetime):
    reg = Registry.from_dict({**published[-1], "version": len(published)})
    a = credentials.assess(credentials.parse(text), reg, when, b"k" * 32, site="demo-site")
    return decide(a, TemperatureResult("ok", 36.6), direction="in", now=when, site=reg.rules)


def test_a_worker_pass_issued_on_a_household_page_holds_only_in_its_windows(client, console_app, published):
    con = _setup(console_app)
    login(client, *ADMIN)
    t = token(client, HOUSE)
    r = client.post(f"{HOUSE}/worker-pass", data={"csrf_token": t, "windows": "Mon-Fri 08:00-18:00", "days": "30"})
    assert r.status_code == 302
    (p,) = con.store.passes(household="3-2-501")
    assert p["role"] == "worker" and p["expires"] - p["not_before"] == 30 * 86400
    sheet = client.post("/console/passes/print", data={"csrf_token": t, "building": "3"}).get_data(as_text=True)
    assert 'data-testid="pass-window"' in sheet and "Mon-Fri 08:00-18:00" in sheet
    # Next Monday, 10:00 in the registry's default zone (Asia/Shanghai, UTC+8).
    now = datetime.now(timezone.utc)
    inside = (now + timedelta(days=(7 - now.weekday()) % 7 or 7)).replace(hour=2, minute=0, second=0, microsecond=0)
    assert _decide(published, p["text"], inside).decision == "admit"
    assert _decide(published, p["text"], inside + timedelta(hours=12)).reasons == ("outside_hours",)


def test_bad_windows_issue_nothing_and_say_why(client, console_app):
    con = _setup(console_app)
    login(client, *ADMIN)
    t = token(client, HOUSE)
    r = client.post(f"{HOUSE}/worker-pass", data={"csrf_token": t, "windows": "weekdays 8-6", "days": "30"})
    assert r.status_code == 400 and "Mon-Fri 08:00-18:00" in r.get_data(as_text=True)
    assert con.store.passes() == []


def _upload(client, t, text: str):
    return client.post("/console/workers/import", data={"csrf_token": t, "file": (io.BytesIO(text.encode()),
                                                                                   "workers.csv")},
                       content_type="multipart/form-data")


def test_a_workers_list_issues_every_pass_or_none(client, console_app):
    con = _setup(console_app)
    login(client, *ADMIN)
    t = token(client, "/console/households")
    bad = "household,windows,days\n3-2-501,Mon-Fri 08:00-18:00,30\n9-9-9,Sat 09:00-12:00,7\n3-2-501,Sun 25:00-26:00,7\n"
    r = _upload(client, t, bad)
    body = r.get_data(as_text=True)
    assert r.status_code == 400 and con.store.passes() == []
    assert "3: household &#39;9-9-9&#39;" in body and "4: window" in body
    r = _upload(client, t, "household,windows,days\n3-2-501,Mon-Fri 08:00-18:00,30\n3-2-501,Sat 09:00-12:00,\n")
    assert r.status_code == 200
    issued = con.store.passes()
    assert len(issued) == 2 and {p["role"] for p in issued} == {"worker"}
    assert sorted(str(w) for p in issued for w in passes.parse(p["text"]).payload.windows) == [
        "Mon-Fri 08:00-18:00", "Sat 09:00-12:00"]
