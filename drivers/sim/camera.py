"""Simulated cameras: one renders the scenario (each arriving person's code, drawn into
frames with the faults the scenario names), one replays a folder of images or a video.
"""

from __future__ import annotations

import logging
import time
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from drivers.camera import ThreadedCamera
from drivers.sim.faults import PRESETS, background, compose, render_code
from drivers.sim.scenario import Arrival, Scenario
from drivers.state import DeviceState

log = logging.getLogger(__name__)

__all__ = ["SimCamera", "ReplayCamera", "render_code"]

# Frames per arrival with different sensor noise, cycled: consecutive frames differ as a
# real camera's do, without rendering every frame anew.
_VARIANTS = 3
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")


class _Player(ThreadedCamera):
    """Frames made by ``_next_frame`` at ``fps`` until it has none."""

    def __init__(self, fps: float) -> None:
        super().__init__()
        self.fps = fps
        self.thread_name = f"sim-camera-{type(self).__name__}"

    def _run(self) -> None:
        period = 1.0 / self.fps
        n = 0
        while not self._stop.is_set():
            t_frame = time.monotonic()
            frame = self._next_frame(n)
            if frame is None:
                self.state = DeviceState.ABSENT
                return
            self._slot.put(frame)
            self.state = DeviceState.OK
            n += 1
            self._stop.wait(max(0.0, period - (time.monotonic() - t_frame)))

    def _next_frame(self, n: int) -> np.ndarray | None:
        raise NotImplementedError


class SimCamera(_Player):
    """The gate as the scenario has it: an empty view, then each person's code."""

    def __init__(self, scenario: Scenario, t0: float, width: int = 640, height: int = 480,
                 fps: float = 15.0, loop: bool = False) -> None:
        super().__init__(fps)
        self.scenario, self.t0, self.loop = scenario, t0, loop
        self.width, self.height = width, height

    def _scene_time(self) -> float:
        t = time.monotonic() - self.t0
        if self.loop and self.scenario.duration_s > 0:
            t %= self.scenario.duration_s
        return t

    def _next_frame(self, n: int) -> np.ndarray:
        return _frames(self.scenario.at(self._scene_time()), self.width, self.height)[n % _VARIANTS]


def _compose(who: Arrival | None, width: int, height: int) -> np.ndarray:
    """One frame of ``who`` (None: nobody) in front of the gate."""
    return _frames(who, width, height)[0]


@lru_cache(maxsize=64)
def _frames(who: Arrival | None, width: int, height: int) -> tuple[np.ndarray, ...]:
    # One gate, one background; the person (and their faults) changes.
    scene = _scene(width, height)
    faults = PRESETS[who.faults] if who is not None and who.faults else PRESETS["clean"]
    code = _code_image(who) if who is not None else None
    linear = who is not None and who.code is not None and who.barcode != "qr"
    seed = 0 if who is None else who.index + 1
    rng = np.random.default_rng(seed)
    frames = []
    for _ in range(_VARIANTS):
        f = compose(code, faults, width, height, rng=rng, scene=scene, linear=linear,
                    code_module_px=_module_px(who, code, width, height))
        f.setflags(write=False)
        frames.append(f)
    return tuple(frames)


@lru_cache(maxsize=4)
def _scene(width: int, height: int) -> np.ndarray:
    return background(width, height, np.random.default_rng(12345))


def _code_image(who: Arrival) -> np.ndarray | None:
    if who.image is not None:
        img = cv2.imread(str(who.image), cv2.IMREAD_GRAYSCALE)
        if img is None:
            log.warning("scenario image %s cannot be read; showing nobody", who.image)
        return img
    if who.code is None:
        return None         # shown to another reader: the camera sees the person, no code
    return render_code(who.code, who.barcode)


def _module_px(who: Arrival | None, img: np.ndarray | None, width: int, height: int) -> float:
    """The module size ``compose`` should assume for the code image.

    Rendered codes are drawn at 6 px a module. A picture (of a card, a phone) is shown at
    its own size, up to 80% of the frame, so it is given the size that yields that scale.
    """
    if who is None or who.image is None or img is None:
        return 6
    scale = min(1.0, 0.8 * width / img.shape[1], 0.8 * height / img.shape[0])
    return PRESETS["clean"].module_px / scale


class ReplayCamera(_Player):
    """Plays a folder of images (in name order) or a video file at ``fps``, in a loop."""

    def __init__(self, source: str | Path, fps: float = 15.0, loop: bool = True) -> None:
        super().__init__(fps)
        self.source, self.loop = Path(source), loop
        self._images: list[Path] = []
        self._video = None
        if self.source.is_dir():
            self._images = sorted(p for p in self.source.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if not self._images:
                raise ValueError(f"{self.source}: no images ({', '.join(IMAGE_SUFFIXES)}) to replay")
        elif not self.source.is_file():
            raise ValueError(f"{self.source}: no such folder or video file")

    def _next_frame(self, n: int) -> np.ndarray | None:
        if self._images:
            if n >= len(self._images) and not self.loop:
                return None
            for _ in range(len(self._images)):
                path = self._images[n % len(self._images)]
                img = cv2.imread(str(path))
                if img is not None:
                    return img
                log.warning("replay: %s is not an image; skipped", path)
                n += 1
            return None
        return self._video_frame()

    def _video_frame(self) -> np.ndarray | None:
        for _ in range(2):
            if self._video is None:
                self._video = cv2.VideoCapture(str(self.source))
                if not self._video.isOpened():
                    self._video = None
                    return None
            ok, frame = self._video.read()
            if ok:
                return frame
            self._video.release()
            self._video = None
            if not self.loop:
                return None
        return None

    def stop(self) -> None:
        super().stop()
        if self._video is not None:
            self._video.release()
