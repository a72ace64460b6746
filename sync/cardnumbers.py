"""Access-card numbers as card readers type them, in one canonical form.

Keyboard-wedge IC/NFC card readers type the card's number and Enter, in one of a few
vendor formats, chosen per reader by ``card_format``:

    hex10      10 hex digits: the whole 40-bit number (EM4100-style ID cards)
    hex8       8 hex digits: a Mifare Classic 4-byte UID
    dec10      the last 8 hex digits as 10 decimal digits (0040856634)
    dec8       the last 6 hex digits as 8 decimal digits
    wiegand26  facility,card: the last 6 hex digits as two decimal numbers (111,27706)

The canonical form is upper-case hex of exactly the digits the format carries: 10, 8 or
6 hex digits. So 0040856634 (dec10) is 026F6C3A, and the same card through a wiegand26
reader (111,27706) or a dec8 one (07302202) is 6F6C3A, its tail: the registry publishes each card under every width up to
its own (sync/cards.py), so any reader's form finds it. The kiosk's card readers and the
console's desk reader type the same numbers, so the formats are the contract's. Pure; no
project imports.
"""

from __future__ import annotations

import re

FORMATS = ("hex10", "hex8", "dec10", "dec8", "wiegand26")
_HEX = {"hex10": re.compile(r"^[0-9A-Fa-f]{10}$"), "hex8": re.compile(r"^[0-9A-Fa-f]{8}$")}
_DEC = {"dec10": (re.compile(r"^\d{10}$"), 0xFFFFFFFF, 8), "dec8": (re.compile(r"^\d{8}$"), 0xFFFFFF, 6)}
_WIEGAND = re.compile(r"^(\d{1,3}),(\d{1,5})$")
WIDTHS = (6, 8, 10)


class CardFormatError(ValueError):
    pass


def normalise(text: str, card_format: str) -> str:
    """The canonical hex form of what a reader of ``card_format`` typed. Raises
    CardFormatError saying what was expected."""
    t = text.strip().replace(" ", "")
    if card_format in _HEX:
        if not _HEX[card_format].match(t):
            raise CardFormatError(f"{card_format}: expected {card_format[3:]} hex digits")
        return t.upper()
    if card_format in _DEC:
        shape, top, width = _DEC[card_format]
        if not shape.match(t) or int(t) > top:
            raise CardFormatError(f"{card_format}: expected {card_format[3:]} decimal digits up to {top}")
        return f"{int(t):0{width}X}"
    if card_format == "wiegand26":
        m = _WIEGAND.match(t)
        if not m or int(m[1]) > 255 or int(m[2]) > 65535:
            raise CardFormatError("wiegand26: expected facility,card: 0-255 and 0-65535, like 111,27706")
        return f"{int(m[1]):02X}{int(m[2]):04X}"
    raise CardFormatError(f"unknown card format {card_format!r}; known: {', '.join(FORMATS)}")


def tails(canonical: str) -> list[str]:
    """The forms a reader of a narrower format types the same card as: the card itself
    and its last 8 and 6 hex digits."""
    return [canonical[-w:] for w in WIDTHS if w <= len(canonical)]


def mask(canonical: str) -> str:
    """Enough for a volunteer to match the number printed on a card, too little to copy
    it: the last 4 hex digits (****6C3A), or 2 of a 6-digit form (****3A)."""
    keep = 4 if len(canonical) >= 8 else 2
    return "*" * (len(canonical) - keep) + canonical[-keep:]
