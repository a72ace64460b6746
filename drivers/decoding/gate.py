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
_COARSE = (80, 60)
_CELL = 8


@dataclass
class Verdict:
    look: bool                       # decode this frame
    reason: str                      # "unchanged", "plain", "structure", "ungated"
    rois: list[tuple[int, int, int, int]] | None = field(default_factory=list)   # x, y, w, h; None: not looked
    same_view: bool = False          # under a tenth of the view moved since the previous frame


class FrameGate:
    def __init__(self, change_level: int = 12, change_frac: float = 0.002, edge_level: int = 10,
                 cell_density: float = 0.2) -> None:
        self.change_level = change_level      # grey levels a thumbnail pixel must move to count
        self.change_frac = change_frac        # fraction of thumbnail pixels that must move
        self.edge_level = edge_level          # grey step between neighbours that counts as an edge
        self.cell_density = cell_density      # share of a cell's pixels on rising and on falling edges
        self._ref: np.ndarray | None = None
        self._ref_plain = False
        self._prev: np.ndarray | None = None

    def check(self, grey: np.ndarray) -> Verdict:
        work = cv2.resize(grey, _WORK, interpolation=cv2.INTER_AREA)
        thumb = cv2.resize(work, _THUMB, interpolation=cv2.INTER_AREA)
        same = self._prev is not None and self._prev.shape == thumb.shape and np.count_nonzero(
            cv2.absdiff(thumb, self._prev) > self.change_level) < 0.1 * thumb.size
        self._prev = thumb
        if self._ref_plain and self._ref is not None and self._ref.shape == thumb.shape:
            moved = np.count_nonzero(cv2.absdiff(thumb, self._ref) > self.change_level)
            if moved <= self.change_frac * thumb.size:
                return Verdict(False, "unchanged")
        self._ref = thumb
        rois = code_regions(grey, self.edge_level, self.cell_density, work)
        self._ref_plain = not rois
        return Verdict(bool(rois), "structure" if rois else "plain", rois, same)

    def reset(self) -> None:
        self._ref, self._ref_plain, self._prev = None, False, None


def code_regions(grey: np.ndarray, edge_level: float = 10, cell_density: float = 0.2,
                 work: np.ndarray | None = None) -> list[tuple[int, int, int, int]]:
    """Regions (x, y, w, h in ``grey``'s pixels) that look like a code, largest first.

    ``work`` is ``grey`` already reduced to 320x240, when the caller has it.
    """
    if work is None:
        work = cv2.resize(grey, _WORK, interpolation=cv2.INTER_AREA)
    # Two scales: a phone held close has modules too big for a fine cell to see both
    # of a module's edges; the coarse copy sees them.
    coarse = cv2.resize(work, _COARSE, interpolation=cv2.INTER_AREA)
    return (_busy_regions(work, grey.shape, cell_density, edge_level)
            + _busy_regions(coarse, grey.shape, 1.5 * cell_density, edge_level))


def _percentiles(img: np.ndarray, low: float, high: float) -> tuple[int, int]:
    cum = np.cumsum(cv2.calcHist([img], [0], None, [256], [0, 256]).ravel())
    n = cum[-1]
    return int(np.searchsorted(cum, low * n)), int(np.searchsorted(cum, high * n))


def _busy_regions(small: np.ndarray, shape: tuple[int, ...], cell_density: float,
                  edge_level: float) -> list[tuple[int, int, int, int]]:
    # Edge steps relative to the scene's contrast, so dusk frames are judged fairly.
    lo, hi = _percentiles(small, 0.02, 0.98)
    level = max(4.0, min(float(edge_level), (hi - lo) * 0.15))
    cells = ((small.shape[1] - 1) // _CELL, (small.shape[0] - 1) // _CELL)
    # Whole cells only: an exact factor keeps OpenCV's area resize on its fast path.
    w, h = cells[0] * _CELL, cells[1] * _CELL
    work = small[:h + 1, :w + 1].astype(np.int16)
    dx = work[:-1, 1:] - work[:-1, :-1]
    dy = work[1:, :-1] - work[:-1, :-1]

    def density(mask):
        return cv2.resize(mask.view(np.uint8) * np.uint8(255), cells, interpolation=cv2.INTER_AREA) / 255.0

    # A code alternates: rising and falling edges side by side, in a small cell. The
    # edge of a wall, a door or a shoulder rises or falls once.
    alternation = (np.minimum(density(dx > level), density(dx < -level))
                   + np.minimum(density(dy > level), density(dy < -level)))
    busy = (alternation >= cell_density).astype(np.uint8)
    if not busy.any():
        return []
    _, _, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(busy, np.ones((3, 3), np.uint8)))
    sx, sy = shape[1] / cells[0], shape[0] / cells[1]
    return [(int(x * sx), int(y * sy), int(w * sx), int(h * sy))
            for x, y, w, h, _area in sorted(stats[1:], key=lambda s: -s[4])]
