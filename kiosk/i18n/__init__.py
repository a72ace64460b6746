"""Messages for decisions and reason codes, one catalogue per language
(``zh.json``, ``en.json``). The touchscreen and the CLI both read these files."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from sync import vocabulary

LANGUAGES = ("zh", "en")
_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict:
    if lang not in LANGUAGES:
        raise ValueError(f"no catalogue for {lang!r}; have {', '.join(LANGUAGES)}")
    words = json.loads((_DIR / f"{lang}.json").read_text("utf-8"))
    # The decisions' words are the shared vocabulary's, as the console and exports say them.
    words["decision"].update(vocabulary.words("decision", lang))
    return words


def reason(code: str, lang: str) -> str:
    return catalogue(lang)["reason"].get(code, code)


def decision(word: str, lang: str) -> str:
    return catalogue(lang)["decision"].get(word, word)


def messages(codes, lang: str) -> list[str]:
    return [reason(c, lang) for c in codes]
