"""The visitor page's words: Chinese by default, English by the switch (``?lang=en``)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("zh", "en")


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    return json.loads((Path(__file__).with_name("catalogues") / f"{lang}.json").read_text("utf-8"))


def pick(requested: str | None) -> str:
    return requested if requested in LANGUAGES else "zh"


def translator(lang: str):
    def t(key: str, **values) -> str:
        text = catalogue(lang).get(key) or catalogue("zh").get(key) or key
        return text.format(**values) if values else text
    return t
