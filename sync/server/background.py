"""The server's own periodic work (the overstay watch, the chat push, the daily report),
each on one daemon thread that ``stop`` ends within its wait."""

from __future__ import annotations

import threading


class BackgroundTask:
    """Subclasses name their thread, say in ``wanted`` whether their config asks for them,
    and write ``_run``, which waits on ``self._stop`` between steps and returns once it is set."""

    thread_name = "background"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wanted(self) -> bool:
        return True

    def start(self) -> None:
        if self.wanted() and self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        raise NotImplementedError
