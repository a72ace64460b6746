"""One vocabulary for what a gate decided and why: the kiosk's card, the console and
the exports read the same words, and every shown time names its zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kiosk.web.i18n import Catalogue
from sync import vocabulary
from sync.vocabulary import OTHER_REASONS, SEVERITY
from sync.server.console import i18n as console_i18n


@pytest.mark.parametrize("lang", vocabulary.LANGUAGES)
def test_every_code_a_kiosk_can_write_has_a_word(lang):
    assert set(SEVERITY) | set(OTHER_REASONS) <= set(vocabulary.words("reason", lang))
    assert set(vocabulary.words("decision", lang)) == {"admit", "deny", "refer"}
    assert set(vocabulary.words("direction", lang)) == {"in", "out"}


def test_the_kiosk_and_the_console_say_the_same_words():
    zh = Catalogue.load("zh")
    assert [zh.t(f"verdict.{d}") for d in ("admit", "deny", "refer")] == ["通行", "禁止", "请人工核验"]
    assert [console_i18n.translate("zh", f"decision.{d}") for d in ("admit", "deny", "refer")] == \
        ["通行", "禁止", "请人工核验"]
    for lang in vocabulary.LANGUAGES:
        kiosk, console = Catalogue.load(lang), console_i18n.catalogue(lang)
        for d, word in vocabulary.words("decision", lang).items():
            assert kiosk.t(f"verdict.{d}") == word.upper() and console[f"decision.{d}"] == word
        for code, word in vocabulary.words("reason", lang).items():
            assert console[f"reason.{code}"] == word


def test_a_time_zone_is_named_as_people_say_it():
    assert vocabulary.zone_label(ZoneInfo("Asia/Shanghai"), "zh") == "北京时间 UTC+8"
    assert vocabulary.zone_label(ZoneInfo("Asia/Shanghai"), "en") == "Beijing time UTC+8"
    assert vocabulary.zone_label(ZoneInfo("Asia/Kolkata"), "zh") == "UTC+5:30"
    assert vocabulary.zone_label(ZoneInfo("UTC"), "en") == "UTC"
    winter = datetime(2026, 1, 15, 12, tzinfo=ZoneInfo("America/St_Johns"))
    assert vocabulary.utc_offset(ZoneInfo("America/St_Johns"), winter) == "UTC-3:30"


def test_an_unknown_code_is_shown_as_itself():
    assert vocabulary.word("reason", "something_new", "zh") == "something_new"
    with pytest.raises(ValueError, match="klingon"):
        vocabulary.words("reason", "klingon")
