"""Access cards in the console: bind by typed number, import a list, revoke; what the
kiosks receive, and that the number itself is kept nowhere."""

from __future__ import annotations

import io
from datetime import datetime, timezone

from kiosk import credentials
from kiosk.registry import Registry
from tests.sync.server.consolekit import ADMIN, VIEWER, login, token

HOUSE = "/console/households/3-2-501"


def _setup(console_app):
    con = console_app.extensions["console"]
    con.store.import_residents([{"building": "3", "unit": "2", "room": "501", "name": "张伟", "phone": ""},
                                {"building": "1", "unit": "1", "room": "101", "name": "李娜", "phone": ""}])
    return con


def _assess(published, canonical: str, code_type: str = credentials.CARD):
    reg = Registry.from_dict({**published[-1], "version": len(published)})
    return credentials.assess(credentials.parse(canonical, code_type), reg, datetime.now(timezone.utc), b"k" * 32)


def _kiosk_sees(published, canonical: str, code_type: str = credentials.CARD):
    a = _assess(published, canonical, code_type)
    return a.problems, a.household


def test_a_typed_card_reaches_the_kiosks_and_its_number_is_kept_nowhere(client, console_app, published, storage,
                                                                       tmp_path):
    con = _setup(console_app)
    wei = next(r for r in con.store.residents() if r["name"] == "张伟")
    login(client, *ADMIN)
    t = token(client, HOUSE)
    r = client.post(f"{HOUSE}/cards", data={"csrf_token": t, "resident": wei["id"], "card": "0040856634",
                                             "card_format": "dec10"})
    assert r.status_code == 302
    page = client.get(HOUSE).get_data(as_text=True)
    assert "****6C3A" in page and "0040856634" not in page
    # Any gate's reader finds it: the full number, or the tail a wiegand26 reader types.
    assert _kiosk_sees(published, "026F6C3A") == ((), "3-2-501")
    assert _kiosk_sees(published, "6F6C3A") == ((), "3-2-501")
    assert _kiosk_sees(published, "026F6C3B")[0] == ("unknown_card",)
    assert "0040856634" not in repr(published) and "026F6C3A" not in repr(published)
    # The verdict card names the holder masked; the full name never leaves the server.
    assert _assess(published, "026F6C3A").record["name_masked"] == "张*"
    assert "张伟" not in repr(published)
    for row in con.store.audit_log():
        assert "0040856634" not in repr(row) and "026F6C3A" not in repr(row)
    # Bound once only: the same card typed again in another format is refused, naming where it is.
    dup = client.post(f"{HOUSE}/cards", data={"csrf_token": t, "card": "026f6c3a", "card_format": "hex8"})
    assert dup.status_code == 400 and "already bound to 3-2-501" in dup.get_data(as_text=True)


def test_a_bad_number_is_refused_with_what_was_expected(client, console_app):
    _setup(console_app)
    login(client, *ADMIN)
    t = token(client, HOUSE)
    r = client.post(f"{HOUSE}/cards", data={"csrf_token": t, "card": "4294967296", "card_format": "dec10"})
    assert r.status_code == 400 and "up to 4294967295" in r.get_data(as_text=True)
    assert console_app.extensions["console"].store.cards() == []


def test_revoking_a_lost_card_makes_every_gate_deny_it(client, console_app, published):
    con = _setup(console_app)
    login(client, *ADMIN)
    t = token(client, HOUSE)
    client.post(f"{HOUSE}/cards", data={"csrf_token": t, "card": "026F6C3A", "card_format": "hex8"})
    (card,) = con.store.cards()
    r = client.post(f"/console/cards/{card['id']}/revoke", data={"csrf_token": t})
    assert r.status_code == 302
    assert _kiosk_sees(published, "026F6C3A") == (("revoked",), "3-2-501")
    # A lost card revoked can be replaced by binding the same number anew only after revoking.
    assert client.post(f"{HOUSE}/cards", data={"csrf_token": t, "card": "026F6C3A",
                                               "card_format": "hex8"}).status_code == 302


def _upload(client, t, text: str):
    return client.post("/console/cards/import", data={"csrf_token": t, "file": (io.BytesIO(text.encode()),
                                                                                 "cards.csv")},
                       content_type="multipart/form-data")


def test_a_cards_list_with_a_bad_row_imports_nothing_and_names_every_bad_row(client, console_app, published):
    con = _setup(console_app)
    login(client, *ADMIN)
    t = token(client, "/console/households")
    bad = "户号,卡号,格式,姓名\n3-2-501,0040856634,dec10,张伟\n9-9-999,0040856635,dec10,\n1-1-101,12X,hex8,\n" \
          "1-1-101,0040856634,dec10,\n1-1-101,0000000001,dec10,王五\n"
    r = _upload(client, t, bad)
    body = r.get_data(as_text=True)
    assert r.status_code == 400 and con.store.cards() == []
    assert "3: household &#39;9-9-999&#39;" in body and "4: hex8: expected 8 hex digits" in body
    assert "5: card ****6C3A appears twice" in body and "6: no resident" in body
    # A wiegand26 number has a comma: in CSV it is quoted.
    good = 'building,unit,room,card,format\n3,2,501,0040856634,dec10\n1,1,101,"1,2",wiegand26\n'
    r = _upload(client, t, good)
    assert r.status_code == 200 and len(con.store.cards()) == 2
    assert _kiosk_sees(published, "010002") == ((), "1-1-101")


def test_a_viewer_binds_no_card(client, console_app):
    _setup(console_app)
    login(client, *VIEWER)
    t = token(client, HOUSE)
    r = client.post(f"{HOUSE}/cards", data={"csrf_token": t, "card": "026F6C3A", "card_format": "hex8"})
    assert r.status_code == 403
    assert console_app.extensions["console"].store.cards() == []
