"""What a wire protocol provides to the serial transport.

A protocol is pure: it turns bytes into readings and says which bytes to send. The
transport (``drivers.thermometer.serial_port``) owns the port, the clock and the retries.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

from drivers.thermometer.base import Reading


class FrameError(ValueError):
    """A complete frame that cannot be believed (bad checksum, wrong shape)."""


@dataclass
class ParserStats:
    frames: int = 0            # good frames turned into readings
    bad_frames: int = 0        # frames rejected: checksum failures, impossible contents
    skipped_bytes: int = 0     # bytes dropped while looking for the next frame

    def as_dict(self) -> dict:
        return {"frames": self.frames, "bad_frames": self.bad_frames, "skipped_bytes": self.skipped_bytes}


class StreamParser(abc.ABC):
    """Accumulates whatever bytes arrive, in any split, and returns the readings they complete.

    Never raises on input: garbage is skipped and counted, a bad frame is counted and the
    parser resynchronises on the next frame boundary.
    """

    def __init__(self) -> None:
        self.stats = ParserStats()

    @abc.abstractmethod
    def feed(self, data: bytes, t: float | None = None) -> list[Reading]:
        """Readings completed by ``data``; ``t`` (monotonic) stamps them, now when None."""

    def opened(self, t: float) -> None:
        """The port was opened at ``t`` (monotonic): the device may be part-way through a
        frame. Binary frames need nothing here; their header and checksum resynchronise."""


class WireProtocol(abc.ABC):
    name: str = ""
    #: seconds the transport waits for a reply to a poll before sending the next one
    reply_timeout_s: float = 0.5

    @abc.abstractmethod
    def parser(self) -> StreamParser: ...

    def start_command(self) -> bytes:
        """Sent once after the port opens (and again when the device falls silent)."""
        return b""

    def poll_command(self) -> bytes | None:
        """Sent at the poll rate for devices that only answer; None for devices that stream."""
        return None
