"""Turns the bytes inside a code into the exact text its maker meant.

A QR code's byte segments carry no charset unless the maker added an ECI, and most
do not. What a gate sees: UTF-8 from anything recent, GB 18030 (GB2312/GBK) from older
Chinese systems, Shift_JIS from Japanese phones and printers, ISO-8859-1 as the
standard's default. Each reader library guesses differently (zbar as built here reads
GB 18030 as Big5; zxing-cpp reads it as ISO-8859-1), so readers hand over raw bytes
and this module decides once, the same way for all of them.
"""

from __future__ import annotations

_KANA = ((0x3040, 0x30FF), (0xFF61, 0xFF9F))
_HALFWIDTH_MARKS = {"\uff9e", "\uff9f"}


def _common_hanzi(ch: str) -> bool:
    """A GB2312 symbol or level-1 (frequent) hanzi: what GB-encoded text is made of."""
    try:
        b = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(b) == 2 and (0xA1 <= b[0] <= 0xA9 or 0xB0 <= b[0] <= 0xD7)


def _common_japanese(ch: str) -> bool:
    """Kana (full or half width), or a JIS level-1 kanji or symbol."""
    o = ord(ch)
    if any(lo <= o <= hi for lo, hi in _KANA):
        return True
    try:
        b = ch.encode("shift_jis")
    except UnicodeEncodeError:
        return False
    return len(b) == 2 and 0x81 <= b[0] <= 0x98


def _score(text: str, common) -> float:
    wide = [ch for ch in text if ord(ch) > 0x7F]
    return sum(map(common, wide)) / len(wide) if wide else 1.0


def _strict(raw: bytes, encoding: str) -> str | None:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        return None


def decode_bytes(raw: bytes) -> str:
    """The text of a code's payload when the code names no charset.

    UTF-8 when the bytes are valid UTF-8 (ASCII included). Otherwise GB 18030 or
    Shift_JIS, whichever reads as more ordinary text (frequent hanzi against kana and
    level-1 kanji; a tie goes to GB 18030, this kiosk's home charset, unless half-width
    voicing marks show old Japanese phone text); ISO-8859-1 when
    neither decodes.
    """
    text = _strict(raw, "utf-8")
    if text is not None:
        return text
    gb = _strict(raw, "gb18030")
    sjis = _strict(raw, "shift_jis")
    if gb is not None and sjis is not None:
        js, cn = _score(sjis, _common_japanese), _score(gb, _common_hanzi)
        # Half-width kana with voicing marks (ﾃﾞ, ﾊﾟ) are old Japanese phone text; the same
        # bytes also read as frequent hanzi, so only the marks tell them apart.
        if js > cn or (js == cn and _HALFWIDTH_MARKS & set(sjis)):
            return sjis
        return gb
    if gb is not None:
        return gb
    if sjis is not None:
        return sjis
    return raw.decode("latin-1")


def reconcile(raw: bytes, reader_text: str) -> str:
    """Choose between a reader's own text and ``decode_bytes(raw)``.

    A reader that only guessed a charset produced one of the plain decodings of the
    bytes; anything else means it knew better (an ECI, a Kanji or Hanzi mode segment),
    and its text stands. A text with replacement characters was a failed guess too.
    """
    guesses = {raw.decode("latin-1"), _strict(raw, "shift_jis"), _strict(raw, "utf-8")}
    if reader_text in guesses or "\ufffd" in reader_text:
        return decode_bytes(raw)
    return reader_text
