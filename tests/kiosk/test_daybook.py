from datetime import datetime, timezone

import pytest

from kiosk import daybook


def e(id_, decision, direction="in", reasons=(), ref=None):
    entry = {"id": id_, "decision": decision, "direction": direction, "reasons": list(reasons)}
    if ref:
        entry["ref"] = ref
    return entry


@pytest.mark.parametrize("entries, want", [
    ([], {"in": 0, "out": 0, "denied": 0, "fevers": 0}),
    ([e("a", "admit"), e("b", "admit", "out")], {"in": 1, "out": 1, "denied": 0, "fevers": 0}),
    ([e("a", "deny", reasons=["fever"])], {"in": 0, "out": 0, "denied": 1, "fevers": 1}),
    ([e("a", "admit", reasons=["fever_recorded"])], {"in": 1, "out": 0, "denied": 0, "fevers": 1}),
    # A refer is counted by its override; the override entry itself is not a person.
    ([e("a", "refer"), e("b", "admit", ref="a")], {"in": 1, "out": 0, "denied": 0, "fevers": 0}),
    ([e("a", "refer"), e("b", "deny", ref="a")], {"in": 0, "out": 0, "denied": 1, "fevers": 0}),
    ([e("a", "deny", reasons=["fever"]), e("b", "admit", ref="a")], {"in": 1, "out": 0, "denied": 0, "fevers": 1}),
    ([e("a", "refer")], {"in": 0, "out": 0, "denied": 0, "fevers": 0}),
])
def test_counts(entries, want):
    assert daybook.counts(entries) == want


def test_waiting_lists_unsettled_refers_newest_first():
    entries = [e("a", "refer"), e("b", "admit"), e("c", "refer"), e("d", "admit", ref="a"), e("f", "refer")]
    assert [x["id"] for x in daybook.waiting(entries)] == ["f", "c"]


def test_midnight_is_written_like_journal_timestamps():
    now = datetime(2026, 11, 25, 9, 30, tzinfo=timezone.utc)
    assert daybook.local_midnight_utc_iso(now).endswith("Z")
    assert daybook.local_midnight_utc_iso(now) <= "2026-11-25T09:30:00.000Z"
