"""The outbox's send window: which journal seqs to send next, and when to send them again.

Pure bookkeeping over seqs and a clock the caller passes in, so tests drive it without
a broker or a journal. Seqs up to ``acked`` are stored by the server; ``sent`` is the
highest seq handed to the broker in this window; ``last`` is the highest journaled. At
most ``window_entries`` may be in flight (sent, not acked). A batch shorter than
``batch_size`` lingers up to ``linger_s`` for more entries to join it. When the acks stop
moving for ``ack_timeout_s`` — or the caller knows what was in flight is lost (a
reconnect, a collector back online) — the whole unacked span goes again: the server
stores each seq once, so sending twice is safe and losing one is not.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SendWindow:
    batch_size: int
    window_entries: int
    linger_s: float
    ack_timeout_s: float
    acked: int = 0
    last: int = 0

    def __post_init__(self) -> None:
        self.sent = self.acked
        self.progress_at = 0.0                   # last ack that moved, or start of the window
        self.pending_since: float | None = None  # when a short batch began to linger
        self.sent_batches = 0
        self.resends = 0

    # -- progress ---------------------------------------------------------------------

    @property
    def in_flight(self) -> int:
        return self.sent - self.acked

    @property
    def backlog(self) -> int:
        return max(0, self.last - self.acked)

    # -- what happened ------------------------------------------------------------------

    def journaled(self, last: int) -> None:
        self.last = last

    def acked_up_to(self, seq: int, now: float) -> bool:
        """The server holds everything up to ``seq``; returns whether that moved the window.

        Acks are cumulative: an older one arriving late says nothing new.
        """
        if seq <= self.acked:
            return False
        self.acked = seq
        self.sent = max(self.sent, seq)
        self.progress_at = now
        return True

    def restart(self, now: float) -> bool:
        """What is in flight may be lost: send it all again. Returns whether any was."""
        self.progress_at = now
        if self.sent <= self.acked:
            return False
        self.sent = self.acked
        self.resends += 1
        return True

    def timed_out(self, now: float) -> bool:
        return self.in_flight > 0 and now - self.progress_at > self.ack_timeout_s

    # -- what to send ---------------------------------------------------------------------

    def next_batch(self, now: float) -> int | None:
        """The seq after which the next batch starts, or None: nothing to send, the window
        is full, or a short batch is still lingering."""
        if self.sent >= self.last or self.in_flight >= self.window_entries:
            return None
        if self.last - self.sent < self.batch_size and self.linger_s > 0:
            if self.pending_since is None:
                self.pending_since = now
            if now - self.pending_since < self.linger_s:
                return None
        return self.sent

    def batch_sent(self, up_to: int, now: float) -> None:
        """A batch ending at seq ``up_to`` was handed to the broker."""
        if self.sent == self.acked:
            self.progress_at = now   # the ack timeout counts from the first batch in flight
        self.sent = up_to
        self.pending_since = None
        self.sent_batches += 1

    def settle(self) -> None:
        """After a round of sending: with everything sent, nothing is lingering."""
        if self.sent >= self.last:
            self.pending_since = None

    def wait_s(self, now: float, poll_s: float) -> float:
        """How long the caller may sleep before the window has something to do by itself."""
        if self.pending_since is None:
            return poll_s
        return max(0.0, min(poll_s, self.pending_since + self.linger_s - now))
