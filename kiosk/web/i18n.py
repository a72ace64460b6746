"""The screen's words: one JSON catalogue per language in ``i18n/``, the same keys in
each (a test holds them equal), plus the reason codes' messages from ``kiosk/i18n``.
Templates call ``t(key, **args)``; the page's script gets the whole catalogue of its
language."""

from __future__ import annotations

import json
from pathlib import Path

from flask import current_app, request

from sync import vocabulary

LANGUAGES = ("zh", "en")
COOKIE = "lang"
_DIR = Path(__file__).with_name("i18n")


class Catalogue:
    def __init__(self, lang: str, words: dict) -> None:
        self.lang, self.words = lang, words

    def t(self, key: str, **args) -> str:
        text = self.words.get(key)
        if not isinstance(text, str):
            return key
        return text.format(**args) if args else text

    @classmethod
    def load(cls, lang: str) -> "Catalogue":
        from kiosk import i18n as messages

        words = json.loads((_DIR / f"{lang}.json").read_text("utf-8"))
        # Reason codes are worded once, by the kiosk's own catalogue, for every surface.
        words.update({f"reason.{code}": text for code, text in messages.catalogue(lang)["reason"].items()})
        # The verdict is the word the console and the exports use too, in capitals on the card.
        words.update({f"verdict.{d}": text.upper() for d, text in vocabulary.words("decision", lang).items()})
        return cls(lang, words)


def load_all() -> dict[str, Catalogue]:
    return {lang: Catalogue.load(lang) for lang in LANGUAGES}


def current_language() -> str:
    lang = request.cookies.get(COOKIE)
    return lang if lang in LANGUAGES else current_app.extensions["kiosk"].cfg.ui.language


def catalogue() -> Catalogue:
    return current_app.extensions["catalogues"][current_language()]
