"""Property tests: whatever bytes arrive, in whatever pieces, the parsers never raise, read
every valid frame, and find their footing again after garbage."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from drivers.thermometer.protocols import ascii_line, gy_mcu90614 as gy, modbus_rtu as mb

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Temperatures a body thermometer may report, in the protocols' resolution.
centi = st.integers(min_value=-4000, max_value=12500).map(lambda v: v / 100)
tenths = st.integers(min_value=-400, max_value=1250).map(lambda v: v / 10)


def _modbus_frame(obj: float, amb: float) -> bytes:
    return mb.encode_response(1, 3, [round(obj * 10), 0, round(amb * 10)])


def _ascii_frame(obj: float, amb: float) -> bytes:
    return b"\r\n" + ascii_line.encode(obj, amb, "TO:{object:.1f} TA:{ambient:.1f}")


PROTOCOLS = {
    # name: (parser factory, frame encoder, temperature strategy, byte that starts a frame)
    "gy": (gy.GYParser, gy.encode, centi, b"\x5a"),
    "modbus": (lambda: mb.ModbusRTU().parser(), _modbus_frame, tenths, b"\x01"),
    "ascii": (lambda: ascii_line.AsciiLine().parser(), _ascii_frame, tenths, b"\r\n0123456789"),
}


def _chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in zip(points, points[1:])]


@st.composite
def stream(draw, name: str, garbage_alphabet_excludes: bytes | None):
    _, encode, temps, _ = PROTOCOLS[name]
    if garbage_alphabet_excludes is None:
        garbage = st.binary(max_size=40)
    else:
        allowed = [b for b in range(256) if b not in garbage_alphabet_excludes]
        garbage = st.lists(st.sampled_from(allowed), max_size=40).map(bytes)
    kinds = [st.tuples(st.just("frame"), temps, temps), st.tuples(st.just("garbage"), garbage)]
    if garbage_alphabet_excludes is None:
        # A frame cut short: the start of a frame with its end missing.
        kinds.append(st.tuples(st.just("partial"), temps, temps, st.integers(min_value=1, max_value=30)))
    pieces = draw(st.lists(st.one_of(*kinds), max_size=12))
    data, expected = b"", []
    for piece in pieces:
        if piece[0] == "frame":
            data += encode(piece[1], piece[2])
            expected.append((piece[1], piece[2]))
        elif piece[0] == "partial":
            frame = encode(piece[1], piece[2])
            data += frame[:min(piece[3], len(frame) - 1)]
        else:
            data += piece[1]
    cuts = draw(st.lists(st.integers(min_value=0, max_value=10_000), max_size=15))
    return _chunked(data, cuts), expected


def _feed_all(parser, chunks):
    return [(r.object_c, r.ambient_c) for c in chunks for r in parser.feed(c, t=0.0)]


def _check_every_frame_read(name, s):
    chunks, expected = s
    assert _feed_all(PROTOCOLS[name][0](), chunks) == expected


# Garbage that cannot itself begin a frame: then every valid frame must come out, in order,
# exactly once, however the stream is cut.

@SETTINGS
@given(stream("gy", b"\x5a"))
def test_gy_reads_every_valid_frame_between_garbage(s):
    _check_every_frame_read("gy", s)


@SETTINGS
@given(stream("modbus", b"\x01"))
def test_modbus_reads_every_valid_frame_between_garbage(s):
    _check_every_frame_read("modbus", s)


@SETTINGS
@given(stream("ascii", b"\r\n0123456789"))
def test_ascii_reads_every_valid_line_between_garbage(s):
    _check_every_frame_read("ascii", s)


# Any bytes at all, frames cut short included: nothing raises, and every valid frame is read
# unless a frame-shaped accident in the garbage (one that passes the checksum) swallowed its
# start; each such accident shows up as a reading of its own and can hide at most one frame.

def _matched(got: list, expected: list) -> int:
    """How many expected frames appear in ``got``, in order."""
    i = 0
    for g in got:
        if i < len(expected) and g == expected[i]:
            i += 1
    return i


@SETTINGS
@given(name=st.sampled_from(sorted(PROTOCOLS)), data=st.data())
def test_arbitrary_bytes_never_raise_and_valid_frames_get_through(name, data):
    chunks, expected = data.draw(stream(name, None))
    parser = PROTOCOLS[name][0]()
    got = _feed_all(parser, chunks)
    matched = _matched(got, expected)
    accidents = len(got) - matched
    assert matched >= len(expected) - accidents
    assert parser.stats.frames == len(got)
