"""A small in-process publish/subscribe bus: the checkpoint publishes typed events, each
web client (server-sent events) holds a bounded queue. A slow client loses its oldest
events; it never slows the checkpoint."""

from __future__ import annotations

import itertools
import queue
import threading
from typing import Any


class EventBus:
    def __init__(self, maxsize: int = 100) -> None:
        self._subs: set[queue.Queue] = set()
        self._lock = threading.Lock()
        self._maxsize = maxsize
        self._ids = itertools.count(1)

    def subscribe(self) -> queue.Queue:
        q: queue.Queue = queue.Queue(self._maxsize)
        with self._lock:
            self._subs.add(q)
        return q

    def unsubscribe(self, q: queue.Queue) -> None:
        with self._lock:
            self._subs.discard(q)

    def publish(self, type_: str, data: Any) -> None:
        event = {"id": next(self._ids), "type": type_, "data": data}
        with self._lock:
            subs = list(self._subs)
        for q in subs:
            while True:
                try:
                    q.put_nowait(event)
                    break
                except queue.Full:
                    try:
                        q.get_nowait()
                    except queue.Empty:
                        pass
