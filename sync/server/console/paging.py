"""The entries table's pages: sizes a person can pick, the page numbers shown, and the
keyset cursor (an entry's place in the newest-first order) carried in page links."""

from __future__ import annotations

import re
from typing import Any

SIZES = (50, 100, 500)
_CURSOR = re.compile(r"^(\d{4}-\d\d-\d\dT[0-9:.]+Z?)~([0-9A-Za-z_-]{1,64})~([0-9A-Za-z_-]{1,64})~(\d{1,18})$")


def page_sizes(default: int) -> list[int]:
    return sorted({*SIZES, default})


def page_size(asked: str | None, default: int) -> int:
    """The size asked for when it is one offered, else the console's default."""
    try:
        size = int(asked or default)
    except ValueError:
        return default
    return size if size in page_sizes(default) else default


def page_numbers(page: int, pages: int, around: int = 2) -> list[int | None]:
    """The numbers to link: first, last and a few around the current page; None is a gap."""
    wanted = sorted({1, pages, *range(max(1, page - around), min(pages, page + around) + 1)})
    out: list[int | None] = []
    for n in wanted:
        if out and n - out[-1] > 1:
            out.append(None)
        out.append(n)
    return out


def cursor_of(item: dict[str, Any]) -> str:
    return f"{item['ts']}~{item['site']}~{item['gate']}~{item['seq']}"


def parse_cursor(text: str | None) -> tuple[str, str, str, int] | None:
    """A cursor from a page link; anything else (edited, truncated) is ignored, not an error."""
    m = _CURSOR.match(text or "")
    return (m.group(1), m.group(2), m.group(3), int(m.group(4))) if m else None
