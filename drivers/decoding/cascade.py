"""The kiosk's decoder: a gate for empty frames, then readers cheapest first, in a budget.

Each step is one reader on one view of the frame (as captured, enlarged around the
code-like region, sharpened, binarised). The first step that reads anything ends the
frame. A step is skipped when what it usually costs would overrun the frame's budget,
so a hard frame costs at most about ``budget_ms`` and the camera never waits long.
The order and the default set come from bench/decode_bench.py (see bench/README.md).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Callable

import cv2
import numpy as np

from drivers.decoder import Code, Decoder
from drivers.decoding.gate import FrameGate, Verdict, code_regions
from drivers.decoding.readers import OpenCVQRReader, ZbarReader, ZxingReader

log = logging.getLogger(__name__)

View = Callable[[np.ndarray, Verdict], list[tuple[np.ndarray, float, int, int]]]
# A view turns the frame into images to read, each with the scale and offset that map
# its coordinates back to the frame's.


def _whole(grey, verdict):
    return [(grey, 1.0, 0, 0)]


def _enlarged(grey, verdict):
    out = []
    h, w = grey.shape
    if verdict.rois is None:
        verdict.rois = code_regions(grey)      # no gate ran: find the regions now
    for x, y, rw, rh in verdict.rois[:2]:
        if rw * rh > 0.25 * w * h:
            continue            # a large region: its code is not small, enlarging will not help
        pad = max(8, rw // 6, rh // 6)
        x0, y0 = max(0, x - pad), max(0, y - pad)
        x1, y1 = min(w, x + rw + pad), min(h, y + rh + pad)
        crop = grey[y0:y1, x0:x1]
        out.append((cv2.resize(crop, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC), 2.0, x0, y0))
    return out


def _sharpened(grey, verdict):
    soft = cv2.GaussianBlur(grey, (0, 0), 2.0)
    return [(cv2.addWeighted(grey, 2.0, soft, -1.0, 0), 1.0, 0, 0)]


def _binarised(grey, verdict):
    # Local mean threshold: survives glare and dusk, where one global level does not.
    return [(cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 31, 5), 1.0, 0, 0)]


def _inverted(grey, verdict):
    # zbar tries inverted QR codes itself, but not inverted bars (a card app in dark mode).
    return [(cv2.bitwise_not(grey), 1.0, 0, 0)]


def _stretched(grey, verdict):
    lo, hi = np.percentile(grey[::4, ::4], (1, 99))
    if hi - lo < 1:
        return []
    return [(cv2.convertScaleAbs(grey, alpha=255.0 / (hi - lo), beta=-lo * 255.0 / (hi - lo)), 1.0, 0, 0)]


VIEWS: dict[str, View] = {
    "whole": _whole,
    "enlarged": _enlarged,
    "sharpened": _sharpened,
    "binarised": _binarised,
    "stretched": _stretched,
    "inverted": _inverted,
}

# step name -> (reader, view). Reader keys: zbar, zxing (plain), zxing+ (own extra passes), opencv.
STEPS: dict[str, tuple[str, str]] = {
    "zxing": ("zxing", "whole"),
    "zxing+": ("zxing+", "whole"),
    "zbar": ("zbar", "whole"),
    "invert-zbar": ("zbar", "inverted"),
    "stretch-zxing": ("zxing", "stretched"),
    "enlarge-zxing": ("zxing", "enlarged"),
    "enlarge-zbar": ("zbar", "enlarged"),
    "sharpen-zxing": ("zxing", "sharpened"),
    "sharpen-zbar": ("zbar", "sharpened"),
    "binarise-zbar": ("zbar", "binarised"),
    "binarise-zxing": ("zxing", "binarised"),
    "opencv": ("opencv", "whole"),
}

# From bench/decode_bench.py ("Cascade steps, each alone"): zxing-cpp reads most, at a
# fraction of zbar's cost; its own extra passes and a sharpened copy add blurred and
# dusk codes; zbar on the inverted image alone reads dark-mode bars; plain and
# binarised zbar add photographs zxing-cpp misses; enlarging costs little. Steps that
# added no read (stretch, sharpen-zbar, enlarge-zbar, binarise-zxing, opencv) are left
# out but can be named in [decoder] steps.
DEFAULT_STEPS = ("zxing", "zxing+", "sharpen-zxing", "invert-zbar", "zbar", "binarise-zbar",
                 "enlarge-zxing")


def _make_reader(key: str):
    if key == "zbar":
        return ZbarReader()
    if key == "zxing":
        return ZxingReader()
    if key == "zxing+":
        return ZxingReader(thorough=True)
    if key == "opencv":
        return OpenCVQRReader()
    raise ValueError(f"unknown reader {key!r}")


def to_grey(frame: np.ndarray) -> np.ndarray | None:
    if frame is None or not isinstance(frame, np.ndarray) or frame.size == 0 or frame.ndim not in (2, 3):
        return None
    if frame.dtype != np.uint8:
        frame = np.clip(frame, 0, 255).astype(np.uint8)
    if frame.ndim == 3:
        if frame.shape[2] == 1:
            return frame[:, :, 0]
        if frame.shape[2] == 4:
            return cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY)
        if frame.shape[2] == 3:
            return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        return None
    return frame


@dataclass
class Step:
    name: str
    reader: object
    view: View
    cost_ms: float = 1.0           # running estimate of what this step costs on one frame


@dataclass
class FrameReport:
    """What the last decode() did, for the benchmark and the debug log."""

    gate: str = ""
    tried: list[str] = field(default_factory=list)
    read_by: str | None = None
    out_of_budget: bool = False
    cheap_only: bool = False         # a run of unreadable frames: only the cheapest steps


class CascadeDecoder(Decoder):
    def __init__(self, steps: tuple[str, ...] = DEFAULT_STEPS, budget_ms: float = 60.0,
                 gate: FrameGate | None = None, full_every: int = 3) -> None:
        unknown = [s for s in steps if s not in STEPS]
        if unknown:
            raise ValueError(f"unknown decoder step(s) {', '.join(unknown)}; known: {', '.join(STEPS)}")
        readers: dict[str, object] = {}
        self.steps = []
        for name in steps:
            reader_key, view_key = STEPS[name]
            if reader_key not in readers:
                readers[reader_key] = _make_reader(reader_key)
            self.steps.append(Step(name, readers[reader_key], VIEWS[view_key]))
        self.budget_ms = budget_ms
        self.gate = gate
        # Something code-like that no step reads (a patterned shirt, a code too blurred)
        # can stay in view for seconds. After ``full_every`` such frames in a row of one
        # scene (the gate tells; without a gate every frame stands alone), only
        # every ``full_every``-th frame gets the whole cascade; the others the first two
        # (cheapest) steps, so the camera keeps its frame rate and a code that becomes
        # readable is still caught within a frame or two.
        self.full_every = max(1, full_every)
        self._unread = 0
        self.last = FrameReport()

    def decode(self, frame: np.ndarray) -> list[Code]:
        self.last = report = FrameReport()
        grey = to_grey(frame)
        if grey is None or min(grey.shape) < 8:
            report.gate = "invalid"
            return []
        if self.gate is not None:
            verdict = self.gate.check(grey)
        else:
            verdict = Verdict(True, "ungated", None)
        report.gate = verdict.reason
        if not verdict.look or not verdict.same_view:
            self._unread = 0
        if not verdict.look:
            return []
        steps = self.steps
        if self._unread >= self.full_every and self._unread % self.full_every:
            steps = self.steps[:2]
            report.cheap_only = True
        codes = self._cascade(steps, grey, verdict, report)
        self._unread = 0 if codes else self._unread + 1
        return codes

    def _cascade(self, steps: list[Step], grey: np.ndarray, verdict: Verdict, report: FrameReport) -> list[Code]:
        t0 = time.perf_counter()
        for step in steps:
            spent = (time.perf_counter() - t0) * 1000
            if report.tried and spent + step.cost_ms > self.budget_ms:
                report.out_of_budget = True
                break
            s0 = time.perf_counter()
            codes = self._run(step, grey, verdict)
            step.cost_ms = 0.8 * step.cost_ms + 0.2 * (time.perf_counter() - s0) * 1000
            report.tried.append(step.name)
            if codes:
                report.read_by = step.name
                return codes
        return []

    @staticmethod
    def _run(step: Step, grey: np.ndarray, verdict: Verdict) -> list[Code]:
        found: dict[tuple[str, str], Code] = {}
        try:
            for image, scale, ox, oy in step.view(grey, verdict):
                for c in step.reader.read(image):
                    x, y, w, h = c.rect
                    rect = (int(x / scale) + ox, int(y / scale) + oy, int(w / scale), int(h / scale))
                    found.setdefault((c.type, c.text), Code(c.type, c.text, rect))
        except Exception:   # a reader library must never take the checkpoint down
            log.exception("decoder step %s failed on a %sx%s frame", step.name, *grey.shape[::-1])
            return []
        return list(found.values())
