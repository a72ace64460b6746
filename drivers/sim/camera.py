"""A camera that renders the scenario: each arriving person's code, drawn into frames."""

from __future__ import annotations

import threading
import time
from functools import lru_cache

import cv2
import numpy as np

from drivers.camera import Camera, FrameSlot
from drivers.sim.scenario import Arrival, Scenario
from drivers.state import DeviceState


def render_code(text: str, kind: str = "qr", module_px: int = 6) -> np.ndarray:
    """A grey image of the code on a white quiet zone."""
    import segno

    if kind == "code128":
        return _render_code128(text)
    qr = segno.make(text, error="m", micro=False)
    matrix = np.array([[0 if v else 255 for v in row] for row in qr.matrix_iter(border=4)], dtype=np.uint8)
    return cv2.resize(matrix, None, fx=module_px, fy=module_px, interpolation=cv2.INTER_NEAREST)


def _render_code128(text: str) -> np.ndarray:
    import barcode

    modules = barcode.get("code128", text).build()[0]
    row = np.array([0 if m == "1" else 255 for m in modules], dtype=np.uint8)
    row = np.pad(row, 10, constant_values=255)
    img = np.repeat(row[None, :], 60, axis=0)
    return cv2.resize(img, None, fx=3, fy=1, interpolation=cv2.INTER_NEAREST)


class SimCamera(Camera):
    def __init__(self, scenario: Scenario, t0: float, width: int = 640, height: int = 480,
                 fps: float = 15.0, loop: bool = False) -> None:
        self.scenario, self.t0, self.loop = scenario, t0, loop
        self.width, self.height, self.fps = width, height, fps
        self._slot = FrameSlot()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._background = np.full((height, width), 180, dtype=np.uint8)
        self.state = DeviceState.STARTING

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sim-camera", daemon=True)
        self._thread.start()

    def _scene_time(self) -> float:
        t = time.monotonic() - self.t0
        if self.loop and self.scenario.duration_s > 0:
            t %= self.scenario.duration_s
        return t

    def _run(self) -> None:
        period = 1.0 / self.fps
        while not self._stop.is_set():
            t_frame = time.monotonic()
            who = self.scenario.at(self._scene_time())
            self._slot.put(self._frame_for(who) if who else self._background)
            self.state = DeviceState.OK
            self._stop.wait(max(0.0, period - (time.monotonic() - t_frame)))

    def _frame_for(self, who: Arrival) -> np.ndarray:
        return _compose(who, self.width, self.height)

    def read(self, timeout: float = 1.0):
        return self._slot.get(timeout)

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=3)


@lru_cache(maxsize=64)
def _compose(who: Arrival, width: int, height: int) -> np.ndarray:
    frame = np.full((height, width), 180, dtype=np.uint8)
    if who.image is not None:
        img = cv2.imread(str(who.image), cv2.IMREAD_GRAYSCALE)
        if img is None:
            return frame
    else:
        img = render_code(who.code, who.barcode)
    scale = min(1.0, 0.8 * width / img.shape[1], 0.8 * height / img.shape[0])
    if scale < 1.0:
        img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = img.shape
    y, x = (height - h) // 2, (width - w) // 2
    frame[y:y + h, x:x + w] = img
    frame.setflags(write=False)
    return frame
