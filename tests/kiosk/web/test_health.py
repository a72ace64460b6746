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


@pytest.mark.parametrize("change, key, text", [
    ({"devices": {**GOOD["devices"], "camera": "absent"}}, "camera", "not connected"),
    ({"devices": {**GOOD["devices"], "thermometer": "stale"}}, "thermometer", "no data"),
    ({"devices": {**GOOD["devices"], "relay": "error"}}, "gate", "failing"),
    ({"sync": "unreachable"}, "broker", "cannot reach the server"),
    ({"sync": "auth_failed"}, "broker", "the server refused this kiosk's login"),
    ({"sync": "connecting"}, "broker", "connecting to the server"),
    ({"backlog": 250}, "backlog", "250 entries not sent"),
    ({"registry_version": 0}, "registry", "no registry"),
    ({"registry_age_s": 3 * 86400}, "registry", "registry not updated for 72 h"),
    ({"clock_synced": False}, "clock", "not synchronised"),
    ({"disk": {"level": "warn", "free_mb": 420.5, "held": 0}}, "disk", "storage low: 420.5 MB free"),
    ({"disk": {"level": "full", "free_mb": 0.0, "held": 12}}, "disk", "storage full: 12 entries held in memory"),
])
def test_each_problem_turns_its_item_red_with_a_reason(change, key, text):
    items = by_key({**GOOD, **change})
    assert items[key]["ok"] is False and items[key]["text"] == text
    assert all(i["ok"] for k, i in items.items() if k != key)


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
