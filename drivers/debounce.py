"""Turns a stream of per-frame decodes into scans: one person showing a code is one scan."""

from __future__ import annotations

from drivers.decoder import Code


class Debouncer:
    def __init__(self, quiet_s: float = 3.0) -> None:
        self.quiet_s = quiet_s
        self._last_seen: dict[str, float] = {}

    def feed(self, codes: list[Code], now: float, frame_shape: tuple[int, ...]) -> Code | None:
        """Return the code when it is a new scan, else None."""
        for text in [t for t, seen in self._last_seen.items() if now - seen > self.quiet_s]:
            del self._last_seen[text]
        if not codes:
            return None
        h, w = frame_shape[:2]

        def score(c: Code) -> tuple[int, float]:
            x, y, cw, ch = c.rect
            dx, dy = x + cw / 2 - w / 2, y + ch / 2 - h / 2
            return (c.area, -(dx * dx + dy * dy))

        best = max(codes, key=score)
        new = best.text not in self._last_seen
        self._last_seen[best.text] = now
        return best if new else None
