import json
from pathlib import Path

import pytest

from kiosk.web import health
from kiosk.web.i18n import Catalogue, LANGUAGES

EN = Catalogue.load("en").t
GOOD = {"devices": {"camera": "ok", "thermometer": "ok", "relay": "disabled"}, "sync": "connected",
        "backlog": 0, "registry_version": 4, "registry_age_s": 600, "clock_synced": True,
        "disk": {"level": "ok", "free_mb": 9000.0, "held": 0}}


def by_key(status):
    return {i["key"]: i for i in health.items(status, EN)}


def test_all_good_is_all_green():
    assert all(i["ok"] for i in health.items(GOOD, EN))


@pytest.mark.parametrize("change, key, level, text", [
    ({"devices": {**GOOD["devices"], "camera": "absent"}}, "camera", "stop", "not connected"),
    ({"devices": {**GOOD["devices"], "thermometer": "stale"}}, "thermometer", "warn", "no data"),
    ({"devices": {**GOOD["devices"], "relay": "error"}}, "gate", "stop", "failing"),
    ({"readers": {"scanner": "ok", "id-reader": "absent"}}, "reader", "warn", "id-reader: not connected"),
    ({"sync": "unreachable"}, "broker", "warn", "unreachable"),
    ({"sync": "auth_failed"}, "broker", "warn", "refused this kiosk's login"),
    ({"sync": "connecting"}, "broker", "warn", "connecting"),
    ({"backlog": 250}, "backlog", "warn", "250"),
    ({"registry_version": 0}, "registry", "warn", "none received"),
    ({"registry_age_s": 3 * 86400}, "registry", "warn", "not updated for 72 h"),
    ({"clock_synced": False}, "clock", "warn", "not synchronised"),
    ({"disk": {"level": "warn", "free_mb": 420.5, "held": 0}}, "disk", "warn", "low: 420.5 MB free"),
    ({"disk": {"level": "full", "free_mb": 0.0, "held": 12}}, "disk", "stop", "full: 12 entries held in memory"),
])
def test_each_problem_gets_its_severity_and_a_reason(change, key, level, text):
    items = by_key({**GOOD, **change})
    assert (items[key]["ok"], items[key]["level"], items[key]["text"]) == (False, level, text)
    assert all(i["ok"] for k, i in items.items() if k != key)


def test_a_server_outage_is_amber_with_the_unsent_count_never_a_stop():
    items = by_key({**GOOD, "sync": "unreachable", "backlog": 12})
    assert items["broker"] == {"key": "broker", "level": "warn", "text": "unreachable · 12 not sent", "ok": False}
    # The count alone stays grey until [ui] backlog_warn.
    assert items["backlog"]["level"] == "info"
    assert health.items({**GOOD, "backlog": 12}, EN, backlog_warn=10)[4]["level"] == "warn"
    assert not any(i["level"] == "stop" for i in items.values())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_item_repeats_its_own_name(lang):
    cat = Catalogue.load(lang)
    bad = {**GOOD, "devices": {"camera": "absent", "thermometer": "stale", "relay": "error"}, "sync": "unreachable",
           "backlog": 500, "registry_age_s": 3 * 86400, "clock_synced": False,
           "disk": {"level": "full", "free_mb": 0.0, "held": 3}}
    for sync in ("unreachable", "auth_failed", "connecting", "stopped", "tls_failed"):
        for i in health.items({**bad, "sync": sync}, cat.t):
            label = cat.t(f"status.{i['key']}")
            assert label.lower() not in i["text"].lower(), (label, i["text"])


def test_catalogues_have_the_same_keys_and_placeholders():
    cats = {lang: json.loads((Path(health.__file__).parent / "i18n" / f"{lang}.json").read_text("utf-8"))
            for lang in LANGUAGES}
    zh, en = cats["zh"], cats["en"]
    assert zh.keys() == en.keys()
    import re
    for k in zh:
        if isinstance(zh[k], str):
            assert set(re.findall(r"{(\w+)}", zh[k])) == set(re.findall(r"{(\w+)}", en[k])), k
        else:
            assert len(zh[k]) == len(en[k]), k


@pytest.mark.parametrize("mode, words", [("off", "防疫 关闭"), ("record", "防疫 记录"), ("enforce", "防疫 严格")])
def test_the_screening_badge_says_the_mode_and_is_never_a_fault(mode, words):
    zh = Catalogue.load("zh").t
    item = {i["key"]: i for i in health.items({**GOOD, "screening": mode}, zh)}["screening"]
    assert item["ok"] is True and f"{zh('status.screening')} {item['text']}" == words
