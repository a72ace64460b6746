"""The OpenCV camera on real video files: newest frame only, and back after a loss."""

import socket
import threading
import time

import cv2
import numpy as np
import pytest

from drivers.camera import OpenCVCamera, source_kind
from drivers.state import DeviceState
from tests.waiting import wait_until


def write_video(path, frames=40, fps=50.0, size=(160, 120)):
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    assert out.isOpened()
    for i in range(frames):
        img = np.full((size[1], size[0], 3), 40, np.uint8)
        cv2.putText(img, str(i), (20, 80), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 255, 255), 3)
        out.write(img)
    out.release()
    return path


@pytest.fixture
def camera():
    cams = []

    def make(*args, **kw):
        cams.append(OpenCVCamera(*args, **kw))
        return cams[-1]
    yield make
    for c in cams:
        c.stop()


@pytest.mark.parametrize("source, kind", [
    (0, "device"), ("2", "device"), ("/dev/video0", "device"),
    ("rtsp://127.0.0.1:8554/gate", "stream"), ("http://127.0.0.1/cam.mjpg", "stream"),
    ("clips/gate.mp4", "file"),
])
def test_source_kind(source, kind):
    assert source_kind(source) == kind


def test_file_frames_arrive_and_a_slow_reader_gets_the_newest(tmp_path, camera):
    cam = camera(str(write_video(tmp_path / "gate.avi")), fps=50)
    cam.start()
    first = cam.read(timeout=20)
    assert first is not None and first[1].shape == (120, 160, 3)
    assert cam.state is DeviceState.OK
    # A slow consumer: frames pile up at the camera while the test reads nothing.
    wait_until(lambda: cam._slot._number > first[0] + 5, 20, "six more frames from the camera")
    n2, _ = cam.read(timeout=10)
    assert n2 > first[0] + 5             # it gets the newest, not the next buffered one
    n3, _ = cam.read(timeout=10)
    assert n3 > n2                       # and never the same frame twice


def test_large_source_is_scaled_to_the_configured_size(tmp_path, camera):
    cam = camera(str(write_video(tmp_path / "hd.avi", size=(1280, 720))), width=640, height=480, fps=50)
    cam.start()
    _, frame = cam.read(timeout=20)
    assert frame.shape == (360, 640, 3)          # fits 640x480, aspect kept


def test_camera_that_disappears_is_absent_then_back(tmp_path, camera):
    video = write_video(tmp_path / "gate.avi", frames=20)
    hidden = tmp_path / "unplugged.avi"
    cam = camera(str(video), fps=50, stall_s=0.5, max_backoff_s=0.4)
    cam.start()
    assert cam.read(timeout=20) is not None
    video.rename(hidden)                 # unplugged: the file plays out, then cannot be reopened
    wait_until(lambda: cam.state is DeviceState.ABSENT, 20, lambda: f"the camera absent (it is {cam.state})")
    while cam.read(timeout=0.2) is not None:
        pass                             # drain what was delivered before the loss
    assert cam.read(timeout=0.5) is None
    hidden.rename(video)                 # plugged back in
    wait_until(lambda: cam.state is DeviceState.OK, 20, lambda: f"the camera back (it is {cam.state})")
    assert cam.read(timeout=20) is not None
    assert cam.reopens >= 1


def test_missing_source_is_absent_and_never_delivers(tmp_path, camera):
    cam = camera(str(tmp_path / "nothing.avi"), max_backoff_s=0.2)
    cam.start()
    wait_until(lambda: cam.state is DeviceState.ABSENT, 20, "the missing camera absent")
    assert cam.read(timeout=0.3) is None


def test_stop_is_prompt_and_disables(tmp_path, camera):
    cam = camera(str(write_video(tmp_path / "gate.avi")), fps=50)
    cam.start()
    assert cam.read(timeout=20) is not None
    cam.stop()
    # Prompt: its thread ended within stop()'s join, not left running after it gave up waiting.
    assert not cam._thread.is_alive() and cam.state is DeviceState.DISABLED


class HangingMjpegServer:
    """An HTTP MJPEG camera on loopback that sends a few frames per connection, then
    holds the connection open and sends nothing: a network camera that hangs."""

    def __init__(self, frames=10):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.frames, self.connections = frames, 0
        self._stop = threading.Event()
        self._jpeg = cv2.imencode(".jpg", np.full((120, 160, 3), 90, np.uint8))[1].tobytes()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            threading.Thread(target=self._client, args=(conn,), daemon=True).start()

    def _client(self, conn):
        try:
            self._talk(conn)
        except OSError:
            pass                         # the camera gave up on this connection
        finally:
            conn.close()

    def _talk(self, conn):
        conn.recv(4096)
        conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=frame\r\n\r\n")
        for _ in range(self.frames):
            conn.sendall(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n"
                         % len(self._jpeg) + self._jpeg + b"\r\n")
            time.sleep(0.02)
        self._stop.wait(30)              # hang: connection open, nothing more

    def close(self):
        self._stop.set()
        self.sock.close()


def test_stream_that_hangs_is_reopened(camera):
    server = HangingMjpegServer()
    try:
        cam = camera(f"http://127.0.0.1:{server.port}/cam.mjpg", fps=25, stall_s=0.6, max_backoff_s=0.4)
        cam.start()
        assert cam.read(timeout=20) is not None
        wait_until(lambda: cam.reopens >= 1 and server.connections >= 2, 30, "the hung stream reopened")
        wait_until(lambda: cam.state is DeviceState.OK, 20, "the camera OK again")
        assert cam.read(timeout=20) is not None
    finally:
        server.close()
