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


class ThreadedCamera(Camera):
    """A camera whose ``_run`` loop owns one thread and puts frames into ``self._slot``:
    ``read`` hands out the newest, and ``_run`` returns soon after ``stop()`` sets
    ``self._stop``."""

    thread_name = "camera"

    def __init__(self) -> None:
        self._slot = FrameSlot()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.state = DeviceState.STARTING

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    @abc.abstractmethod
    def _run(self) -> None: ...

    def read(self, timeout: float = 1.0) -> tuple[int, np.ndarray] | None:
        return self._slot.get(timeout)

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=3)
        self.state = DeviceState.DISABLED


def source_kind(source: int | str) -> str:
    """"device" (index or /dev/video path), "stream" (a URL) or "file"."""
    if isinstance(source, int) or (isinstance(source, str) and source.isdigit()):
        return "device"
    if source.startswith("/dev/"):
        return "device"
    if "://" in source:
        return "stream"
    return "file"


class OpenCVCamera(ThreadedCamera):
    """A device index, /dev/video path, video file or stream URL, read on its own thread.

    A supervisor thread opens the source and starts a reader thread for it. When the
    reader stops delivering (unplugged, end of a file, a network stream that hangs in
    ``read()``), the supervisor gives up on it after ``stall_s`` and opens the source
    anew, backing off from 0.5 s up to ``max_backoff_s`` while it cannot be opened.
    ``state`` tells the kiosk which of these it is in. A reader stuck inside OpenCV
    cannot be interrupted; it is abandoned and ends when its ``read()`` returns.
    """

    def __init__(self, source: int | str, width: int = 640, height: int = 480, fps: float = 15.0,
                 stall_s: float = 3.0, max_backoff_s: float = 10.0) -> None:
        self.source = int(source) if isinstance(source, str) and source.isdigit() else source
        self.width, self.height, self.fps = width, height, fps
        self.stall_s, self.max_backoff_s = stall_s, max_backoff_s
        super().__init__()
        self.kind = source_kind(self.source)
        self._last_frame_t = 0.0
        self.reopens = 0            # how often the source was opened again after a loss

    def _open(self):
        import cv2

        if self.kind == "device" and isinstance(self.source, str):
            cap = cv2.VideoCapture(self.source, cv2.CAP_V4L2)
        elif self.kind == "stream":
            timeout_ms = int(self.stall_s * 1000)
            cap = cv2.VideoCapture(self.source, cv2.CAP_FFMPEG,
                                   [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, timeout_ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, timeout_ms])
        else:
            cap = cv2.VideoCapture(self.source)
        if not cap.isOpened():
            cap.release()
            return None
        if self.kind == "device":
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
            cap.set(cv2.CAP_PROP_FPS, self.fps)
            cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        return cap

    def _run(self) -> None:
        """The supervisor: opens the source, starts a reader on it, reopens it when it stalls."""
        backoff = 0.5
        opened_before = False
        while not self._stop.is_set():
            cap = self._open()
            if cap is None:
                self.state = DeviceState.ABSENT
                log.warning("camera %r cannot be opened; retrying in %.1f s", self.source, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff_s)
                continue
            if opened_before:
                self.reopens += 1
            opened_before = True
            done = threading.Event()
            self._last_frame_t = time.monotonic()
            reader = threading.Thread(target=self._read_frames, args=(cap, done), name="camera-reader", daemon=True)
            reader.start()
            delivered = self._watch(done)
            if delivered:
                backoff = 0.5
            if not self._stop.is_set():
                self.state = DeviceState.STALE
                log.warning("camera %r stopped delivering frames; reopening", self.source)

    def _watch(self, done: threading.Event) -> bool:
        """Wait while the reader delivers; True if it delivered any frame."""
        start = self._last_frame_t
        while not self._stop.is_set() and not done.is_set():
            if time.monotonic() - self._last_frame_t > self.stall_s:
                done.set()          # tells the reader to release the capture if it ever returns
                break
            self._stop.wait(0.05)
        done.set()
        return self._last_frame_t > start

    def _read_frames(self, cap, done: threading.Event) -> None:
        period = 1.0 / self.fps
        failures = 0
        try:
            while not done.is_set():
                t0 = time.monotonic()
                ok, frame = cap.read()
                if done.is_set():
                    return
                if not ok or frame is None:
                    failures += 1
                    if failures >= 3 or self.kind == "file":
                        return
                    continue
                failures = 0
                self._last_frame_t = time.monotonic()
                self.state = DeviceState.OK
                self._slot.put(self._fit(frame))
                if self.kind == "file":
                    # A file plays at its nominal rate instead of as fast as it decodes.
                    done.wait(max(0.0, period - (time.monotonic() - t0)))
        except Exception:   # a backend error ends this session; the supervisor reopens
            log.exception("camera %r read failed", self.source)
        finally:
            done.set()
            cap.release()

    def _fit(self, frame: np.ndarray) -> np.ndarray:
        """A stream or file larger than the configured size is scaled down to it: the
        decoder's budget is set for that size (a device is asked for it when opened)."""
        h, w = frame.shape[:2]
        scale = min(self.width / w, self.height / h)
        if scale >= 0.9:
            return frame
        import cv2

        return cv2.resize(frame, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
