"""How many registrations one key (an IP address, a phone number) may make in a sliding
hour. In memory: a restart forgets, which costs an abuser at most one more hour's quota."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class RateLimit:
    def __init__(self, per_hour: int, window_s: float = 3600.0) -> None:
        self.per_hour, self.window_s = per_hour, window_s
        self._seen: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        """Count one attempt under ``key``; False when it is over the limit (not counted then)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._seen[key]
            while times and times[0] <= now - self.window_s:
                times.popleft()
            if len(times) >= self.per_hour:
                return False
            times.append(now)
            if len(self._seen) > 100_000:       # forget keys that have gone quiet
                for k in [k for k, t in self._seen.items() if not t or t[-1] <= now - self.window_s]:
                    del self._seen[k]
            return True
