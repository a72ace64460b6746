"""The line protocol of serial scanner modules (GM65, GM861, Newland class): one code per
line, each framed as ``prefix + code + suffix + terminator`` as the module is set up.

Pure: bytes in, code texts out. A line that lacks the configured prefix or suffix is a
fragment (the port was opened mid-line, or noise) and is dropped and counted, never
believed; so is a line longer than any code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from drivers.decoding.text import decode_bytes

#: Names a config may give the terminator, and their bytes.
TERMINATORS: dict[str, bytes] = {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n", "tab": b"\t"}
MAX_LINE = 4096


@dataclass
class LineStats:
    lines: int = 0
    dropped: int = 0            # fragments: no prefix/suffix, overlong, empty

    def as_dict(self) -> dict:
        return {"lines": self.lines, "dropped": self.dropped}


@dataclass
class LineFramer:
    terminator: bytes = b"\r"
    prefix: bytes = b""
    suffix: bytes = b""
    stats: LineStats = field(default_factory=LineStats)

    def __post_init__(self) -> None:
        self._buf = bytearray()
        self._overlong = False

    def feed(self, data: bytes) -> list[str]:
        self._buf += data
        out = []
        while (i := self._buf.find(self.terminator)) >= 0:
            line = bytes(self._buf[:i])
            del self._buf[:i + len(self.terminator)]
            if self._overlong:
                self._overlong = False      # the tail of a line already dropped
                continue
            text = self._unframe(line)
            if text is None:
                self.stats.dropped += 1
            else:
                self.stats.lines += 1
                out.append(text)
        if len(self._buf) > MAX_LINE:
            self._buf.clear()
            self._overlong = True
            self.stats.dropped += 1
        return out

    def _unframe(self, line: bytes) -> str | None:
        # A module set to CR LF but configured here as one of them leaves the other behind.
        line = line.strip(b"\r\n")
        if not line.startswith(self.prefix) or not line.endswith(self.suffix):
            return None
        line = line[len(self.prefix):len(line) - len(self.suffix)]
        return decode_bytes(line) if line else None


def encode(text: str, terminator: bytes = b"\r", prefix: bytes = b"", suffix: bytes = b"") -> bytes:
    """What a module sends for one code (the simulator's side)."""
    return prefix + text.encode("utf-8") + suffix + terminator


def framing_bytes(value: str) -> bytes:
    r"""A prefix or suffix from config: text, with \xNN for control bytes (STX is \x02)."""
    return value.encode("latin-1").decode("unicode_escape").encode("latin-1")
