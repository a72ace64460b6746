"""The console's catalogues: Chinese and English carry the same keys, and every key a
template names exists."""

from __future__ import annotations

import re
from pathlib import Path

from sync.server.console import i18n

CONSOLE = Path(i18n.__file__).parent


def test_both_languages_have_the_same_keys():
    assert set(i18n.catalogue("zh")) == set(i18n.catalogue("en"))


def test_every_key_the_templates_and_views_use_exists():
    used = set()
    for path in list((CONSOLE / "templates").rglob("*.html")) + list(CONSOLE.glob("*.py")):
        used |= set(re.findall(r"""t\(['"]([a-z_]+\.[a-z_]+)['"]""", path.read_text("utf-8")))
        used |= set(re.findall(r"""['"]((?:login|quarantine)\.[a-z_]+)['"]""", path.read_text("utf-8")))
    used -= {"quarantine.index", "quarantine.add", "quarantine.lift"}  # endpoint names, not words
    missing = used - set(i18n.catalogue("zh"))
    assert not missing


def test_every_reason_and_decision_of_the_kiosk_is_translated():
    from kiosk.entry import DECISIONS

    zh = i18n.catalogue("zh")
    for d in DECISIONS:
        assert f"decision.{d}" in zh
    from kiosk.policy import OTHER_REASONS, SEVERITY

    for lang in ("zh", "en"):
        missing = [r for r in (*SEVERITY, *OTHER_REASONS) if f"reason.{r}" not in i18n.catalogue(lang)]
        assert not missing, lang


def test_values_are_filled_in():
    assert i18n.translate("en", "pager.page", page=2, pages=5) == "Page 2 of 5"
    assert i18n.translate("en", "no.such.key") == "no.such.key"
