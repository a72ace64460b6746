"""The camera preview as MJPEG: the checkpoint keeps a reference to its newest frame and
the last codes it decoded; frames are scaled down and encoded here, only while a screen
is watching, so an unwatched kiosk spends nothing on it."""

from __future__ import annotations

import threading
import time

import numpy as np

BOUNDARY = "frame"
CODE_SHOWN_S = 0.6           # outline a code this long after it was last decoded
MAX_WATCHERS = 3             # each holds a server thread


class Watchers:
    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def enter(self) -> bool:
        with self._lock:
            if self.count >= MAX_WATCHERS:
                return False
            self.count += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self.count -= 1


def render(frame: np.ndarray, rects: list[tuple[int, int, int, int]], width: int, quality: int = 70) -> bytes:
    """One preview JPEG: ``frame`` scaled to ``width``, each code rect outlined in green."""
    import cv2

    scale = width / frame.shape[1]
    small = cv2.resize(frame, (width, max(1, round(frame.shape[0] * scale))), interpolation=cv2.INTER_AREA)
    if small.ndim == 2:
        small = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
    for x, y, w, h in rects:
        p1 = (round(x * scale), round(y * scale))
        p2 = (round((x + w) * scale), round((y + h) * scale))
        cv2.rectangle(small, p1, p2, (60, 200, 60), 3)
    ok, jpg = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return jpg.tobytes() if ok else b""


def stream(checkpoint, width: int, fps: float, stopping, watchers: Watchers):
    """multipart/x-mixed-replace parts until the client goes or the kiosk stops."""
    period = 1.0 / fps
    last = None
    try:
        while not stopping.is_set():
            t0 = time.monotonic()
            frame = checkpoint.latest_frame
            seen_t, codes = checkpoint.last_codes
            rects = [c.rect for c in codes] if time.monotonic() - seen_t < CODE_SHOWN_S else []
            if frame is not None and (id(frame), rects) != last:
                last = (id(frame), rects)
                jpg = render(frame, rects, width)
                yield (f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpg)}\r\n\r\n"
                       .encode() + jpg + b"\r\n")
            stopping.wait(max(0.0, period - (time.monotonic() - t0)))
    finally:
        watchers.leave()
