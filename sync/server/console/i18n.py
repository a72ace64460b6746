"""The console's words in Chinese (the default) and English.

Catalogues are flat JSON files under ``catalogues/``, one per language, with the same keys.
Decisions, directions and reasons are worded by the shared vocabulary (``sync/vocabulary``),
as the kiosk words them. A page's language comes from the ``lang`` cookie, set by the
switch in the header.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from sync import vocabulary

LANGUAGES = ("zh", "en")
_DIR = Path(__file__).with_name("catalogues")


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    words = json.loads((_DIR / f"{lang}.json").read_text("utf-8"))
    words.update(vocabulary.flat(lang))
    return words


def translate(lang: str, key: str, **values) -> str:
    text = catalogue(lang).get(key) or catalogue("zh").get(key) or key
    return text.format(**values) if values else text


def pick(requested: str | None, default: str) -> str:
    return requested if requested in LANGUAGES else default


def current_language() -> str:
    """This request's language: the user's pick, else the console's configured one."""
    from flask import current_app, session

    return pick(session.get("lang"), current_app.extensions["console"].settings.language)
