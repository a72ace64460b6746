"""Plain text lines, as handheld thermometers with a serial output and hobby modules print them.

One reading per line, ended by CR, LF or CR LF: ``36.6``, ``T:36.6``, ``36.6C``,
``TO:36.60 TA:25.12``, ``OBJ=36.6,AMB=25.1``, and the line of Adafruit's MLX90614
example sketch, which most Arduino builds of a GY-906 module print:
``Ambient = 25.13*C<TAB>Object = 36.61*C`` (its ``*F`` line after it is not a reading).
Sketches that print the ambient on a line of its own (``TA: 25.1`` then ``TO: 36.6``, or
``Ambient: 25.1 C`` then ``Target: 36.6 C``) lose nothing: the ambient is kept for the
readings of the next two seconds. Anything else is a configurable regular expression
with a named group ``object`` and, if the device reports it, ``ambient``. Lines that do
not match (banners, menus, units it cannot read) are counted and skipped.

No standard governs these lines; the default pattern takes the shapes devices document.
The H-Tronic TSM 125 manual ("Serial interface", p. 29), for one, sends a right-aligned
five-character field and CR LF once a second: ``121.1``, ``  1.5``, ``-11.2``, and
``Err.1`` / ``Err.3`` for a fault, which is no reading.

Every value token is matched whole, against a strict grammar: a number of one to three
digits (a point and one to three decimals optional), then optionally the unit Celsius
written ``C``, ``°`` / ``°C`` (UTF-8 or Latin-1), ``ºC`` or ``*C``. A byte a noisy cable
corrupts inside a number or right next to it makes the line a bad frame, counted and
never a reading: ``T:16\xb040``, ``T:42.\xb08`` or ``21.\x800*C`` read nothing, rather
than the digits after the corrupted byte.

Line noise before a label (a glitch as the cable moves) does not cost the reading: a
line that does not match whole is searched for a reading that ends it, begins with a
label's letter, and follows a byte no device prints (a control or non-ASCII byte,
not a tab or space), so ``\x8fT:36.6`` still reads 36.6 while ``\x8f36.6``, ``9536.6``,
``T:36?6`` or ``36.6.6`` read nothing. Nor does the tail of a line the device had begun
before the port opened (``6.6`` of ``T:36.6``): bytes that come at once after opening are
skipped up to the next line end.

Without a checksum, no grammar can tell a line whose digits were changed into other
digits (``36.6`` -> ``37.6``, ``3.6``, ``366``) or split by a stray line end (``3`` and
``6.6``) from a line the device sent; the tests state that limit with its counterexamples.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from drivers.thermometer.base import Reading
from drivers.thermometer.protocols.base import StreamParser, WireProtocol

_NUM = r"[-+]?\d{1,3}(?:\.\d{1,3})?"
# The unit, only after a complete number: 36.6C, 36.6 °C, 36.6°, 36.6 ºC and the Arduino
# sketches' 36.6*C. A degree sign alone is Celsius; ``º`` and ``*`` are not units without C.
_CELSIUS = r"(?:\s*(?:°\s*C?|[º*]\s*C|C))?"
_AMBIENT_LABEL = r"(?:TA|AMB|AMBIENT)\s*[:=]\s*"
_AMBIENT = rf"{_AMBIENT_LABEL}{_NUM}{_CELSIUS}"
_SEP = r"[\s,;]+"
_BLANKS = " \t\r\n\x0b\x0c"     # what re.ASCII's \s matches, and nothing more
DEFAULT_PATTERN = (
    # The ambient may stand before the object or after it; one named group cannot sit in
    # both places, so a lookahead takes it wherever it is and the line skips over it.
    rf"(?:(?=.*?\b{_AMBIENT_LABEL}(?P<ambient>{_NUM}){_CELSIUS}(?:{_SEP}|$)))?"
    rf"(?:{_AMBIENT}{_SEP})?"
    rf"(?:(?:T|TO|OBJ|OBJECT|TARGET|BODY|TEMP)\s*[:=]\s*)?(?P<object>{_NUM}){_CELSIUS}"
    rf"(?:{_SEP}{_AMBIENT})?"
)
# A line with the ambient alone; sketches print it before or after the object's line.
AMBIENT_LINE = re.compile(rf"{_AMBIENT_LABEL}(?P<ambient>{_NUM}){_CELSIUS}", re.IGNORECASE | re.ASCII)
AMBIENT_KEEP_S = 2.0
MAX_LINE = 80          # longer "lines" are noise without a line end: dropped whole
# A first byte this soon after the port opens may be the middle of a line the device had
# begun (a whole 40-character line takes 42 ms at 9600 baud).
OPEN_QUIET_S = 0.05


@dataclass(frozen=True)
class LinePattern:
    whole: re.Pattern        # the line is a reading
    tail: re.Pattern         # the line ends in a reading, after noise


def compile_pattern(pattern: str) -> LinePattern:
    """The compiled pattern, or ValueError saying what is wrong with it."""
    try:
        # ASCII: \d must not match other scripts' digits, which noise decodes into (b"\xdb\xb0" is "۰").
        flags = re.IGNORECASE | re.ASCII
        whole = re.compile(pattern, flags)
        # After noise, only a reading that starts with a label: noise next to a digit may
        # be a corrupted digit, and the digits after it are not the temperature.
        tail = re.compile(rf"(?<![\x20-\x7e\t])(?=[A-Za-z])(?:{pattern})\s*$", flags)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {exc}") from None
    if "object" not in whole.groupindex:
        raise ValueError("the pattern needs a named group (?P<object>...) for the temperature")
    return LinePattern(whole, tail)


def _match(line: str, rx: LinePattern) -> re.Match | None:
    return rx.whole.fullmatch(line) or rx.tail.search(line)


def _values(m: re.Match) -> tuple[float, float | None] | None:
    try:
        amb = m.groupdict().get("ambient")
        return float(m.group("object")), (float(amb) if amb is not None else None)
    except (TypeError, ValueError):
        return None


def decode_line(raw: bytes) -> tuple[str, str]:
    """(text, encoding) of a line: UTF-8, or Latin-1 when it is not UTF-8 (a sketch that
    prints its degree sign as the single byte B0). Either way noise stays non-ASCII.
    Only the blanks a device prints are trimmed: str.strip() would also eat control
    bytes such as 1C-1F, so a sign corrupted into one would leave a valid, other number."""
    try:
        return raw.decode("utf-8").strip(_BLANKS), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("latin-1").strip(_BLANKS), "latin-1"


def parse_line(line: str, rx: LinePattern) -> tuple[float, float | None] | None:
    """(object_c, ambient_c) of one line without its line end, or None when it is not a reading."""
    m = _match(line.strip(_BLANKS), rx)
    return _values(m) if m is not None else None


def encode(object_c: float, ambient_c: float | None = None, style: str = "T:{object:.2f}") -> bytes:
    """A line as a device would print it (used by the simulator and tests); `style` may
    hold several lines (CR LF between them) and use ``object_f`` and ``ambient_f``."""
    def f(c: float | None) -> float | None:
        return None if c is None else c * 9 / 5 + 32

    text = style.format(object=object_c, ambient=ambient_c, object_f=f(object_c), ambient_f=f(ambient_c))
    return (text + "\r\n").encode("ascii")


class LineParser(StreamParser):
    def __init__(self, rx: LinePattern) -> None:
        super().__init__()
        self._rx = rx
        self._buf = bytearray()
        self._skip_line = False          # drop bytes up to the next line end: we came in mid-line
        self._opened_t: float | None = None
        self._ambient: tuple[float, float] | None = None      # (ambient_c, when) from a line of its own
        self.unparsed_lines = 0

    def opened(self, t: float) -> None:
        self._buf.clear()
        self._opened_t = t

    def feed(self, data: bytes, t: float | None = None) -> list[Reading]:
        t = time.monotonic() if t is None else t
        if data and self._opened_t is not None:
            # Bytes at once after opening: the tail of a line ("6.6" of "T:36.6") would read
            # as a temperature of its own. After a pause, the device is starting a new line.
            self._skip_line = t - self._opened_t < OPEN_QUIET_S
            self._opened_t = None
        self._buf += data
        out: list[Reading] = []
        while True:
            ends = [i for i in (self._buf.find(b"\r"), self._buf.find(b"\n")) if i >= 0]
            if not ends:
                if len(self._buf) > MAX_LINE:
                    # No line end in sight: drop the noise and skip to the next line end.
                    self.stats.skipped_bytes += len(self._buf)
                    self._buf.clear()
                    self._skip_line = True
                return out
            end = min(ends)
            raw = bytes(self._buf[:end])
            del self._buf[:end + 1]
            if self._skip_line:
                self.stats.skipped_bytes += len(raw)
                self._skip_line = False
                continue
            if not raw.strip():
                continue          # the LF of a CR LF, or a blank line
            if len(raw) > MAX_LINE:
                self.stats.skipped_bytes += len(raw)
                continue
            line, encoding = decode_line(raw)
            m = _match(line, self._rx)
            parsed = _values(m) if m is not None else None
            if parsed is None:
                ambient = AMBIENT_LINE.fullmatch(line)
                if ambient is not None:
                    self._ambient = (float(ambient.group("ambient")), t)
                    continue
                self.unparsed_lines += 1
                self.stats.bad_frames += 1
                continue
            self.stats.skipped_bytes += len(line[:m.start()].encode(encoding))
            self.stats.frames += 1
            object_c, ambient_c = parsed
            if ambient_c is None and self._ambient is not None and t - self._ambient[1] <= AMBIENT_KEEP_S:
                ambient_c = self._ambient[0]
            out.append(Reading(object_c, ambient_c, t))


class AsciiLine(WireProtocol):
    name = "ascii"

    def __init__(self, pattern: str = DEFAULT_PATTERN) -> None:
        self.pattern = pattern
        self._rx = compile_pattern(pattern)

    @classmethod
    def from_config(cls, section) -> "AsciiLine":
        return cls(section.ascii.pattern)

    def parser(self) -> LineParser:
        return LineParser(self._rx)
