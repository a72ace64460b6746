"""Decides, for well under a millisecond, whether a frame is worth decoding at all.

Most frames at a gate show nobody. Two cheap looks rule them out:

1. Nothing changed: a 160x120 thumbnail differs from the last analysed frame's in
   almost no pixel, and that frame held nothing code-like. Sensor noise averages away
   in the thumbnail; a phone coming into view changes hundreds of its pixels.
2. Nothing code-like: on a 320x240 copy, no 8x8 cell holds many strong edges of both
   signs. A code is a tight run of dark/light/dark transitions (both directions for QR,
   one for 1D bars), which walls, doors, faces and clothes rarely are.

A frame that shows structure is always decoded, even when it did not change, so a code
held still that failed once is tried again on the next frame. The cells that look like
a code also give the region to enlarge for small codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

_THUMB = (160, 120)
_WORK = (320, 240)
_COARSE = (96, 72)
_CELL = 8


@dataclass
class Verdict:
    look: bool                       # decode this frame
    reason: str                      # "unchanged", "plain", "structure", "ungated"
    rois: list[tuple[int, int, int, int]] = field(default_factory=list)   # x, y, w, h in frame pixels


class FrameGate:
    def __init__(self, change_level: int = 12, change_frac: float = 0.002, edge_level: int = 10,
                 cell_density: float = 0.2) -> None:
        self.change_level = change_level      # grey levels a thumbnail pixel must move to count
        self.change_frac = change_frac        # fraction of thumbnail pixels that must move
        self.edge_level = edge_level          # grey step between neighbours that counts as an edge
        self.cell_density = cell_density      # share of a cell's pixels on rising and on falling edges
        self._ref: np.ndarray | None = None
        self._ref_plain = False

    def check(self, grey: np.ndarray) -> Verdict:
        thumb = cv2.resize(grey, _THUMB, interpolation=cv2.INTER_AREA)
        if self._ref_plain and self._ref is not None:
            moved = np.count_nonzero(cv2.absdiff(thumb, self._ref) > self.change_level)
            if moved <= self.change_frac * thumb.size:
                return Verdict(False, "unchanged")
        self._ref = thumb
        rois = self._structure(grey)
        self._ref_plain = not rois
        return Verdict(bool(rois), "structure" if rois else "plain", rois)

    def _structure(self, grey: np.ndarray) -> list[tuple[int, int, int, int]]:
        rois: list[tuple[int, int, int, int]] = []
        # Two scales: a phone held close has modules too big for a fine cell to see both
        # of a module's edges; the coarse copy sees them.
        for size, density in ((_WORK, self.cell_density), (_COARSE, 1.5 * self.cell_density)):
            rois += self._busy_regions(grey, size, density)
        return rois

    def _busy_regions(self, grey: np.ndarray, size: tuple[int, int], cell_density: float) -> list[tuple[int, int, int, int]]:
        work = cv2.resize(grey, size, interpolation=cv2.INTER_AREA).astype(np.int16)
        # Edge steps relative to the scene's contrast, so dusk frames are judged fairly.
        lo, hi = np.percentile(work[::4, ::4], (2, 98))
        level = max(4.0, min(float(self.edge_level), (hi - lo) * 0.15))
        dx = work[:-1, 1:] - work[:-1, :-1]
        dy = work[1:, :-1] - work[:-1, :-1]
        cells = (dx.shape[1] // _CELL, dx.shape[0] // _CELL)

        def density(mask):
            return cv2.resize(mask.astype(np.float32), cells, interpolation=cv2.INTER_AREA)

        # A code alternates: rising and falling edges side by side, in a small cell. The
        # edge of a wall, a door or a shoulder rises or falls once.
        alternation = (np.minimum(density(dx > level), density(dx < -level))
                       + np.minimum(density(dy > level), density(dy < -level)))
        busy = (alternation >= cell_density).astype(np.uint8)
        if not busy.any():
            return []
        n, _, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(busy, np.ones((3, 3), np.uint8)))
        sx, sy = grey.shape[1] / cells[0], grey.shape[0] / cells[1]
        return [(int(x * sx), int(y * sy), int(w * sx), int(h * sy))
                for x, y, w, h, _area in sorted(stats[1:], key=lambda s: -s[4])]

    def reset(self) -> None:
        self._ref, self._ref_plain = None, False
