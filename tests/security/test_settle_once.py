"""A referral is settled once: a second override (or two at the same moment) is refused
with 409 and words, and the gate does not open again."""

from __future__ import annotations

import threading

from tests.kiosk.web.forms import csrf_token
from tests.kiosk.web.kiosk_process import PIN


def _refer(rt) -> dict:
    return rt.journal.append({"direction": "in", "credential": {"kind": "unknown"}, "temperature": {"value_c": None},
                              "decision": "refer", "reasons": ["unknown_code"], "operator": None, "visitor": None})


def test_a_second_override_is_refused_and_opens_nothing(kiosk, runtime):
    e = _refer(runtime)
    h = {"X-CSRFToken": csrf_token(kiosk)}
    url = f"/referrals/{e['id']}/override"
    first = kiosk.post(url, json={"decision": "admit", "reason": "已核实", "pin": PIN}, headers=h)
    assert first.status_code == 200 and len(runtime.devices.relay.pulses) == 1
    for decision in ("admit", "deny"):
        again = kiosk.post(url, json={"decision": decision, "reason": "再次放行"}, headers=h)
        assert again.status_code == 409
        assert again.get_json() == {"error": "settled", "message": "此人已由志愿者处理过，闸门不会再次打开。"}
    assert len(runtime.devices.relay.pulses) == 1
    assert [x["ref"] for x in runtime.journal.entries_after(e["seq"])] == [e["id"]]


def test_two_volunteers_at_once_settle_it_once(kiosk_app, runtime):
    e = _refer(runtime)
    browsers = [kiosk_app.test_client() for _ in range(8)]
    tokens = [csrf_token(b) for b in browsers]
    start = threading.Barrier(len(browsers))
    codes: list[int] = []

    def press(n: int) -> None:
        start.wait(timeout=30)
        r = browsers[n].post(f"/referrals/{e['id']}/override", headers={"X-CSRFToken": tokens[n]},
                             json={"decision": "admit", "reason": "已核实", "pin": PIN})
        codes.append(r.status_code)

    threads = [threading.Thread(target=press, args=(n,)) for n in range(len(browsers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(codes) == [200] + [409] * (len(browsers) - 1)
    assert len(runtime.devices.relay.pulses) == 1
