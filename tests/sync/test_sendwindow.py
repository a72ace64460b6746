"""The outbox's send window on its own: which seqs go next, what an ack frees, when the
unacked span goes again, how a short batch lingers — driven by hand, with no broker."""

from __future__ import annotations

from sync.sendwindow import SendWindow


def window(**over) -> SendWindow:
    return SendWindow(**{"batch_size": 10, "window_entries": 30, "linger_s": 0.0, "ack_timeout_s": 10.0, **over})


def send_all(w: SendWindow, now: float) -> list[int]:
    """What the outbox does each round: the start of every batch it may send now."""
    starts = []
    while (after := w.next_batch(now)) is not None:
        starts.append(after)
        w.batch_sent(min(after + w.batch_size, w.last), now)
    w.settle()
    return starts


def test_the_window_fills_and_then_sends_nothing_more():
    w = window(last=100)
    assert send_all(w, now=0.0) == [0, 10, 20]
    assert (w.sent, w.in_flight, w.backlog, w.sent_batches) == (30, 30, 100, 3)
    assert send_all(w, now=1.0) == []


def test_an_ack_frees_as_many_slots_as_it_acknowledges():
    w = window(last=100)
    send_all(w, 0.0)
    assert w.acked_up_to(10, now=1.0)
    assert send_all(w, 1.0) == [30]
    assert w.acked_up_to(30, now=2.0)
    assert send_all(w, 2.0) == [40, 50]
    assert (w.acked, w.in_flight, w.backlog) == (30, 30, 70)


def test_a_late_ack_for_an_older_batch_changes_nothing():
    w = window(last=100)
    send_all(w, 0.0)
    assert w.acked_up_to(20, now=1.0)
    assert not w.acked_up_to(10, now=2.0)
    assert (w.acked, w.sent, w.progress_at) == (20, 30, 1.0)


def test_an_ack_past_what_was_sent_moves_sent_along():
    """After a restart the server may ack seqs the previous run sent."""
    w = window(last=100)
    assert w.acked_up_to(50, now=1.0)
    assert (w.sent, w.in_flight) == (50, 0)
    assert send_all(w, 1.0) == [50, 60, 70]


def test_no_ack_within_the_timeout_sends_the_whole_span_again():
    w = window(last=25, ack_timeout_s=10.0)
    send_all(w, now=100.0)
    assert w.acked_up_to(10, now=105.0)
    assert not w.timed_out(115.0)          # the ack at 105 moved it: counts from there
    assert w.timed_out(115.1)
    assert w.restart(115.1)
    assert (w.sent, w.in_flight, w.resends) == (10, 0, 1)
    assert send_all(w, 115.1) == [10, 20]
    assert not w.timed_out(125.0)


def test_nothing_in_flight_never_times_out_nor_counts_a_resend():
    w = window(last=0)
    assert not w.timed_out(1e9)
    assert not w.restart(5.0)
    assert w.resends == 0


def test_the_timeout_counts_from_the_first_batch_sent_into_an_empty_window():
    w = window(ack_timeout_s=10.0)
    w.journaled(5)
    send_all(w, now=50.0)
    assert not w.timed_out(59.0)
    assert w.timed_out(60.5)


def test_a_short_batch_lingers_for_more_entries_then_goes():
    w = window(linger_s=0.5)
    w.journaled(3)
    assert send_all(w, now=10.0) == []
    assert w.wait_s(10.2, poll_s=0.25) == 0.25
    assert abs(w.wait_s(10.4, poll_s=0.25) - 0.1) < 1e-9
    w.journaled(7)                         # more joined while it lingered
    assert send_all(w, now=10.4) == []
    assert send_all(w, now=10.5) == [0]
    assert (w.sent, w.pending_since) == (7, None)
    assert w.wait_s(10.5, poll_s=0.25) == 0.25


def test_a_full_batch_never_lingers():
    w = window(linger_s=60.0, last=25)
    assert send_all(w, now=0.0) == [0, 10]       # the last 5 wait for company
    assert w.pending_since == 0.0 and w.sent == 20


def test_progress_figures_follow_journal_sends_and_acks():
    w = window(acked=40, last=40)
    assert (w.backlog, w.in_flight) == (0, 0)
    w.journaled(75)
    assert w.backlog == 35
    send_all(w, 0.0)
    assert (w.sent, w.in_flight, w.sent_batches) == (70, 30, 3)
    w.acked_up_to(75, 1.0)
    assert (w.backlog, w.in_flight) == (0, 0)
