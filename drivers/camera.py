"""Camera interface and the OpenCV implementation."""

from __future__ import annotations

import abc
import logging
import threading
import time

import numpy as np

from drivers.state import DeviceState

log = logging.getLogger(__name__)


class Camera(abc.ABC):
    """Hands out the newest frame; never a stale buffered one."""

    state: DeviceState = DeviceState.STARTING

    @abc.abstractmethod
    def start(self) -> None: ...

    @abc.abstractmethod
    def read(self, timeout: float = 1.0) -> tuple[int, np.ndarray] | None:
        """Block until a frame newer than the last one returned, or timeout.

        Returns (frame_number, BGR or grey image) or None.
        """

    @abc.abstractmethod
    def stop(self) -> None: ...


class FrameSlot:
    """A one-frame mailbox: the producer overwrites, the consumer waits for news."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._frame: np.ndarray | None = None
        self._number = 0
        self._taken = 0

    def put(self, frame: np.ndarray) -> None:
        with self._cond:
            self._frame = frame
            self._number += 1
            self._cond.notify_all()

    def get(self, timeout: float) -> tuple[int, np.ndarray] | None:
        with self._cond:
            if not self._cond.wait_for(lambda: self._number > self._taken, timeout):
                return None
            self._taken = self._number
            return self._number, self._frame


class OpenCVCamera(Camera):
    """A device index, /dev/video path, video file or stream URL, read on its own thread."""

    def __init__(self, source: int | str, width: int = 640, height: int = 480, fps: float = 15.0) -> None:
        self.source, self.width, self.height, self.fps = source, width, height, fps
        self._slot = FrameSlot()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.state = DeviceState.STARTING

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="camera", daemon=True)
        self._thread.start()

    def _open(self):
        import cv2

        cap = cv2.VideoCapture(self.source)
        if not cap.isOpened():
            cap.release()
            return None
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        cap.set(cv2.CAP_PROP_FPS, self.fps)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        return cap

    def _run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            cap = self._open()
            if cap is None:
                self.state = DeviceState.ABSENT
                log.warning("camera %r cannot be opened; retrying in %.1f s", self.source, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            backoff = 0.5
            failures = 0
            period = 1.0 / self.fps
            while not self._stop.is_set():
                t0 = time.monotonic()
                ok, frame = cap.read()
                if not ok:
                    failures += 1
                    self.state = DeviceState.STALE
                    if failures > 5:
                        log.warning("camera %r stopped delivering frames; reopening", self.source)
                        break
                    continue
                failures = 0
                self.state = DeviceState.OK
                self._slot.put(frame)
                if isinstance(self.source, str) and not self.source.startswith(("/dev/", "rtsp:", "http")):
                    # A file plays at its nominal rate instead of as fast as it decodes.
                    self._stop.wait(max(0.0, period - (time.monotonic() - t0)))
            cap.release()

    def read(self, timeout: float = 1.0):
        return self._slot.get(timeout)

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=3)
