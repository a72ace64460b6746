"""Key events from a keyboard-wedge reader, back into the text it typed.

A wedge (a scanner or card reader in USB HID keyboard mode) types each code as key
presses of a US keyboard and ends it with Enter. The Pi's own layout does not matter:
the events are read below the layout (evdev key codes), and this fixed US map with
shift handling turns them back into characters. Pure: (code, value) events in, lines out.

What survives keyboard mode: printable ASCII (0x20-0x7E) only. A wedge cannot type a byte
above 0x7F: scanners drop it or send Alt+keypad sequences that depend on the host, and
those are dropped here too (keys held with Alt or Ctrl). So a QR code with Chinese text
arrives damaged or empty; community passes (``CP1:`` + base45: digits, A-Z, space and
``$%*+-./:``), visitor day passes, ID numbers, barcodes and card numbers survive whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Linux input-event-codes.h: the key codes of a US keyboard's printing keys.
_ROWS = {
    2: "1!", 3: "2@", 4: "3#", 5: "4$", 6: "5%", 7: "6^", 8: "7&", 9: "8*", 10: "9(", 11: "0)",
    12: "-_", 13: "=+", 15: "\t\t",
    16: "qQ", 17: "wW", 18: "eE", 19: "rR", 20: "tT", 21: "yY", 22: "uU", 23: "iI", 24: "oO", 25: "pP",
    26: "[{", 27: "]}", 30: "aA", 31: "sS", 32: "dD", 33: "fF", 34: "gG", 35: "hH", 36: "jJ", 37: "kK",
    38: "lL", 39: ";:", 40: "'\"", 41: "`~", 43: "\\|", 44: "zZ", 45: "xX", 46: "cC", 47: "vV", 48: "bB",
    49: "nN", 50: "mM", 51: ",<", 52: ".>", 53: "/?", 57: "  ",
}
# The numeric keypad types the same whatever shift says (NumLock on, as wedges assume).
_KEYPAD = {71: "7", 72: "8", 73: "9", 74: "-", 75: "4", 76: "5", 77: "6", 78: "+", 79: "1", 80: "2",
           81: "3", 82: "0", 83: ".", 55: "*", 98: "/"}
KEY_ENTER, KEY_KPENTER, KEY_BACKSPACE = 28, 96, 14
SHIFTS = frozenset({42, 54})                # left, right
MODIFIERS = frozenset({29, 97, 56, 100, 125, 126})   # ctrl, alt, meta: never part of a code
KEY_CAPSLOCK = 58
DOWN, UP, REPEAT = 1, 0, 2
MAX_LINE = 4096


@dataclass
class KeyTranslator:
    """Fed one key event at a time; returns the line when Enter ends it."""

    dropped: int = 0                        # keys that are no character, or typed with Ctrl/Alt
    _held: set[int] = field(default_factory=set)
    _caps: bool = False
    _line: list[str] = field(default_factory=list)

    def feed(self, code: int, value: int) -> str | None:
        if value == UP:
            self._held.discard(code)
            return None
        if value == DOWN:
            self._held.add(code)
        elif value != REPEAT:
            return None
        if code in SHIFTS or code in MODIFIERS:
            return None
        if code == KEY_CAPSLOCK:
            self._caps = not self._caps if value == DOWN else self._caps
            return None
        if code in (KEY_ENTER, KEY_KPENTER):
            line, self._line = "".join(self._line), []
            return line or None
        if code == KEY_BACKSPACE:
            if self._line:
                self._line.pop()
            return None
        ch = self._char(code)
        if ch is None or self._held & MODIFIERS or len(self._line) >= MAX_LINE:
            self.dropped += 1
            return None
        self._line.append(ch)
        return None

    def _char(self, code: int) -> str | None:
        if code in _KEYPAD:
            return _KEYPAD[code]
        pair = _ROWS.get(code)
        if pair is None:
            return None
        shifted = bool(self._held & SHIFTS)
        if self._caps and pair[0].isalpha():
            shifted = not shifted
        return pair[shifted]


def translate(events) -> list[str]:
    """Every line a sequence of (code, value) key events types. Pure."""
    t = KeyTranslator()
    return [line for code, value in events if (line := t.feed(code, value)) is not None]


_CODE_OF: dict[str, tuple[int, bool]] = {}
for _code, _pair in _ROWS.items():
    for _shifted, _ch in enumerate(_pair):
        if _ch != "\t":
            _CODE_OF.setdefault(_ch, (_code, bool(_shifted)))


def type_text(text: str, enter: bool = True) -> list[tuple[int, int]]:
    """The key events a US-keyboard wedge sends to type ``text`` (the simulator's side);
    characters a keyboard cannot type are skipped, as a wedge skips them."""
    out: list[tuple[int, int]] = []
    for ch in text:
        if ch not in _CODE_OF:
            continue
        code, shift = _CODE_OF[ch]
        if shift:
            out.append((42, DOWN))
        out += [(code, DOWN), (code, UP)]
        if shift:
            out.append((42, UP))
    if enter:
        out += [(KEY_ENTER, DOWN), (KEY_ENTER, UP)]
    return out
