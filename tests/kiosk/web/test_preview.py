"""The camera preview: JPEG parts only while someone watches, the code outlined."""

from __future__ import annotations

import time

import cv2
import numpy as np

from drivers.decoder import Code
from kiosk.web import preview


def test_render_scales_down_and_outlines_the_code():
    frame = np.full((480, 640), 128, np.uint8)
    jpg = preview.render(frame, [(200, 100, 160, 160)], width=320)
    img = cv2.imdecode(np.frombuffer(jpg, np.uint8), cv2.IMREAD_COLOR)
    assert img.shape == (240, 320, 3)
    b, g, r = (int(v) for v in img[50, 140])            # on the outline: (100, 50) .. (180, 130)
    assert g > 150 and g > r + 60 and g > b + 60
    b, g, r = (int(v) for v in img[90, 140])            # inside: the grey frame
    assert abs(g - r) < 20


def test_the_stream_sends_jpegs_and_frees_its_place_when_the_client_goes(app, runtime):
    watchers = app.extensions["preview_watchers"]
    runtime.checkpoint.latest_frame = np.full((480, 640), 90, np.uint8)
    runtime.checkpoint.last_codes = (time.monotonic(), [Code("QRCODE", "X", (10, 10, 50, 50))])
    client = app.test_client()
    r = client.get("/preview.mjpg", buffered=False)
    assert r.mimetype == "multipart/x-mixed-replace"
    first = next(r.response)
    assert first.startswith(b"--frame\r\nContent-Type: image/jpeg") and b"\xff\xd8" in first
    assert watchers.count == 1
    r.close()
    assert watchers.count == 0


def test_a_few_previews_at_most(app, runtime):
    client = app.test_client()
    opened = [client.get("/preview.mjpg", buffered=False) for _ in range(preview.MAX_WATCHERS)]
    assert client.get("/preview.mjpg").status_code == 503
    for r in opened:
        r.close()
    assert app.extensions["preview_watchers"].count == 0


def test_with_no_camera_frame_yet_the_preview_is_dark_not_stuck(app, runtime):
    assert runtime.checkpoint.latest_frame is None
    r = app.test_client().get("/preview.mjpg", buffered=False)
    part = next(r.response)
    jpg = part[part.index(b"\xff\xd8"):]
    img = cv2.imdecode(np.frombuffer(jpg, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert img.shape == (240, 320) and img.max() < 20
    r.close()
