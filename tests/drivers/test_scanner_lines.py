"""The scanner modules' line protocol: framing in, code texts out (drivers/scanner/lines.py)."""

from __future__ import annotations

import pytest

from drivers.scanner.lines import LineFramer, encode, framing_bytes

CASES = [
    # (terminator, prefix, suffix, chunks, codes, dropped)
    (b"\r", b"", b"", [b"RES-0001\r"], ["RES-0001"], 0),
    (b"\r", b"", b"", [b"RES-", b"0001\rRES-0002\r"], ["RES-0001", "RES-0002"], 0),   # split anywhere
    (b"\n", b"", b"", [b"CP1:ABC\r\n"], ["CP1:ABC"], 0),          # CR LF from a module set to LF
    (b"\r\n", b"", b"", [b"A1\r\nB2\r\n"], ["A1", "B2"], 0),
    (b"\t", b"", b"", [b"A1\tB2\t"], ["A1", "B2"], 0),
    (b"\r", b"\x02", b"\x03", [b"\x02RES-1\x03\r"], ["RES-1"], 0),   # STX ... ETX
    (b"\r", b"\x02", b"\x03", [b"ES-1\x03\r\x02RES-2\x03\r"], ["RES-2"], 1),   # opened mid-line
    (b"\r", b"", b"", [b"\r\r"], [], 2),                          # empty lines are no codes
    (b"\r", b"", b"", ["通行证".encode("gb18030") + b"\r"], ["通行证"], 0),   # an older GB 18030 code
    (b"\r", b"", b"", ["通行证".encode("utf-8") + b"\r"], ["通行证"], 0),
    (b"\r", b"", b"", [b"no terminator yet"], [], 0),
]


@pytest.mark.parametrize("terminator,prefix,suffix,chunks,codes,dropped", CASES)
def test_lines_are_framed_as_the_module_is_set_up(terminator, prefix, suffix, chunks, codes, dropped):
    framer = LineFramer(terminator, prefix, suffix)
    out = []
    for chunk in chunks:
        out += framer.feed(chunk)
    assert out == codes
    assert framer.stats.dropped == dropped


def test_an_overlong_line_is_dropped_whole_and_the_next_one_read():
    framer = LineFramer(b"\r")
    assert framer.feed(b"X" * 5000) == []
    assert framer.feed(b"Y" * 10 + b"\rRES-9\r") == ["RES-9"]
    assert framer.stats.dropped == 1


def test_what_the_simulator_sends_is_what_the_framer_reads():
    framing = {"terminator": b"\r\n", "prefix": b"\x02", "suffix": b"]"}
    assert LineFramer(**framing).feed(encode("CP1:XYZ", **framing)) == ["CP1:XYZ"]


@pytest.mark.parametrize("value,expected", [("", b""), ("]Q1", b"]Q1"), (r"\x02", b"\x02"), (r"\t", b"\t")])
def test_framing_from_config_allows_control_bytes(value, expected):
    assert framing_bytes(value) == expected
