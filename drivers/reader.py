"""What every code reader beside the camera is: a scanner module, a keyboard wedge, a
card reader. Each delivers whole code texts from a thread of its own, named by the
reader it came from, and the checkpoint takes them through the same debounce and
decision as a camera read."""

from __future__ import annotations

import abc
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from drivers.state import DeviceState


#: Code types of what is not a code at all: an access card's canonical number, an ID card's number.
CARD, IDCARD = "CARD", "IDCARD"


@dataclass(frozen=True)
class ReaderCode:
    text: str                       # the code as the reader gave it, framing removed
    source: str                     # the reader's name ([[reader]] name)
    code_type: str = "SCANNER"      # what the journal calls it: the symbology is not reported
    holder: str | None = None       # a masked name the reader knows (an ID card's): 张*
    t: float = field(default_factory=time.monotonic)   # monotonic time of arrival


class CodeReader(abc.ABC):
    name: str = "reader"
    state: DeviceState = DeviceState.STARTING

    @abc.abstractmethod
    def start(self, on_code: Callable[[ReaderCode], None]) -> None:
        """Begin delivering codes to ``on_code`` from a thread of its own."""

    @abc.abstractmethod
    def stop(self) -> None: ...

    def stats(self) -> dict:
        """Counters since start (codes, dropped lines, opens, ...), for doctor and logs."""
        return {}


class ThreadedReader(CodeReader):
    """A reader whose ``_run(on_code)`` loop owns one thread: it polls ``self._stop``
    and returns soon after ``stop()`` sets it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.state = DeviceState.STARTING
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, on_code: Callable[[ReaderCode], None]) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(on_code,), name=f"reader-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=3)
        self.state = DeviceState.DISABLED

    @abc.abstractmethod
    def _run(self, on_code: Callable[[ReaderCode], None]) -> None: ...
