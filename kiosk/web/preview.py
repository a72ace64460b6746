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
NO_FRAME_EVERY_S = 1.0


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


class PreviewStream:
    """multipart/x-mixed-replace parts until the client goes or the kiosk stops. The
    server closes it when the client leaves, started or not; closing frees its place."""

    def __init__(self, checkpoint, width: int, fps: float, stopping, watchers: Watchers) -> None:
        self.checkpoint, self.width, self.period = checkpoint, width, 1.0 / fps
        self.stopping, self.watchers = stopping, watchers
        self._closed = False

    def __iter__(self):
        last, sent_t = None, 0.0
        while not self.stopping.is_set() and not self._closed:
            t0 = time.monotonic()
            frame = self.checkpoint.latest_frame
            seen_t, codes = self.checkpoint.last_codes
            rects = [c.rect for c in codes] if time.monotonic() - seen_t < CODE_SHOWN_S else []
            if frame is None and time.monotonic() - sent_t > NO_FRAME_EVERY_S:
                # No camera yet: a dark frame now and then, which also finds a client gone.
                frame, rects = np.zeros((self.width * 3 // 4, self.width), np.uint8), []
            # The frame count, not the frame: a camera may hand out the same buffer again.
            if frame is not None and (self.checkpoint.frames, rects) != last:
                last = (self.checkpoint.frames, rects)
                jpg = render(frame, rects, self.width)
                sent_t = time.monotonic()
                yield (f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpg)}\r\n\r\n"
                       .encode() + jpg + b"\r\n")
            self.stopping.wait(max(0.0, self.period - (time.monotonic() - t0)))

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.watchers.leave()
