import pytest

from sync.clockfix import corrected_times, format_ts, parse_ts

B1, B2 = "a" * 32, "b" * 32


def e(seq, ts, synced, mono, boot=B1):
    return {"seq": seq, "ts": ts, "clock_synced": synced, "boot_id": boot, "mono_s": mono}


CASES = [
    pytest.param(  # booted in 1970 style, NTP set the clock 100 s later
        [e(1, "2019-02-14T10:00:05.000Z", False, 20.0), e(2, "2026-11-25T06:01:40.000Z", True, 120.0)],
        {1: "2026-11-25T06:00:00.000Z"}, id="one-entry-placed"),
    pytest.param(
        [e(1, "2019-02-14T10:00:05.000Z", False, 20.5), e(2, "2019-02-14T10:00:06.000Z", False, 21.25),
         e(3, "2026-11-25T06:01:40.000Z", True, 120.0)],
        {1: "2026-11-25T06:00:00.500Z", 2: "2026-11-25T06:00:01.250Z"}, id="several-before-one-anchor"),
    pytest.param(  # nearest later anchor wins, not the first or the last
        [e(1, "x", False, 50.0), e(2, "2026-11-25T06:00:00.000Z", True, 40.0),
         e(3, "2026-11-25T06:01:00.000Z", True, 100.0), e(4, "2026-11-25T07:00:00.000Z", True, 3700.0)],
        {1: "2026-11-25T06:00:10.000Z"}, id="nearest-later-anchor"),
    pytest.param(  # a synced entry of another boot says nothing about this one
        [e(1, "x", False, 20.0, B1), e(2, "2026-11-25T06:00:00.000Z", True, 120.0, B2)],
        {}, id="other-boot-ignored"),
    pytest.param(  # nothing synced after it yet: leave ts alone
        [e(1, "2026-11-25T06:00:00.000Z", True, 10.0), e(2, "x", False, 20.0)],
        {}, id="no-later-anchor"),
    pytest.param(  # entries from before the clock fields existed
        [{"seq": 1, "ts": "x", "clock_synced": False}, e(2, "2026-11-25T06:00:00.000Z", True, 120.0)],
        {}, id="no-clock-fields"),
    pytest.param(
        [e(1, "x", False, "20"), e(2, "x", False, True), e(3, "2026-11-25T06:00:00.000Z", True, 120.0)],
        {}, id="malformed-mono-ignored"),
    pytest.param(
        [e(1, "x", False, 20.0), e(2, "not a time", True, 120.0)],
        {}, id="anchor-with-bad-ts-ignored"),
    pytest.param(
        [e(1, "2026-11-25T06:00:00.000Z", True, 10.0), e(2, "2026-11-25T06:00:01.000Z", True, 11.0)],
        {}, id="all-synced-nothing-to-do"),
]


@pytest.mark.parametrize("entries, expected", CASES)
def test_corrected_times(entries, expected):
    assert corrected_times(entries) == expected


def test_an_anchor_from_outside_the_batch_places_entries():
    # The later synced moment may come in another batch, or from the kiosk's status.
    entries = [e(7, "2019-01-01T00:00:00.000Z", False, 30.0)]
    anchor = {"clock_synced": True, "boot_id": B1, "mono_s": 90.0, "ts": "2026-11-25T06:01:00+00:00"}
    assert corrected_times(entries, [anchor]) == {7: "2026-11-25T06:00:00.000Z"}


def test_entries_are_not_changed():
    entries = [e(1, "x", False, 20.0), e(2, "2026-11-25T06:00:00.000Z", True, 120.0)]
    before = [dict(x) for x in entries]
    corrected_times(entries)
    assert entries == before


@pytest.mark.parametrize("text, ok", [("2026-11-25T06:00:00.123Z", True), ("2026-11-25T06:00:00", True),
                                      ("", False), (None, False), ("yesterday", False)])
def test_parse_ts(text, ok):
    got = parse_ts(text)
    assert (got is not None) is ok
    if ok:
        assert format_ts(got).endswith("Z")
