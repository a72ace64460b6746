"""The simulated cameras: scenario codes drawn with faults, and replayed images/videos."""

import time

import cv2
import numpy as np
import pytest

from drivers.decoding import CascadeDecoder, FrameGate
from drivers.sim.camera import ReplayCamera, SimCamera, _compose
from drivers.sim.faults import PRESETS, compose, render_code
from drivers.sim.scenario import Scenario, ScenarioError
from drivers.state import DeviceState
from tests.waiting import wait_until

PEOPLE = [("RES-0001", "qr", "glare"), ("RES-0002", "qr", "dark_mode"), ("STAFF-7", "code128", "glare"),
          ("6901234567892", "ean13", "angle"), ("RES-0003", "qr", "low_light"), ("RES-0004", "qr", None)]


def scenario():
    people = [{"code": c, "barcode": k, **({"faults": f} if f else {})} for c, k, f in PEOPLE]
    return Scenario.from_dict({"defaults": {"start_s": 0.0, "show_s": 1.0, "gap_s": 1.0}, "person": people})


def test_each_person_code_is_read_through_its_faults():
    sc = scenario()
    decoder = CascadeDecoder(budget_ms=10_000, gate=FrameGate())    # capability, not speed
    seen = []
    for who in sc.arrivals:
        frames = [_compose_variant(who, n) for n in range(3)]    # what the camera cycles through
        assert all(f.shape == (480, 640) for f in frames)
        seen.append({c.text for f in frames for c in decoder.decode(f)})
    assert seen == [{c} for c, _, _ in PEOPLE]
    assert decoder.decode(_compose(None, 640, 480)) == []       # nobody at the gate


def _compose_variant(who, n):
    from drivers.sim.camera import _frames

    return _frames(who, 640, 480)[n]


def test_running_camera_shows_nobody_then_a_code():
    sc = Scenario.from_dict({"defaults": {"start_s": 0.4, "show_s": 5.0}, "person": [{"code": "RES-0009"}]})
    cam = SimCamera(sc, t0=time.monotonic(), fps=30)
    decoder = CascadeDecoder(gate=FrameGate())
    cam.start()
    try:
        n, first = cam.read(timeout=20)
        assert decoder.decode(first) == [] and cam.state is DeviceState.OK

        def decoded() -> list[str]:
            got = cam.read(timeout=1)
            return [c.text for c in decoder.decode(got[1])] if got else []

        assert wait_until(decoded, 20, "a frame with the person's code") == ["RES-0009"]
    finally:
        cam.stop()


def test_unknown_fault_preset_is_refused():
    with pytest.raises(ScenarioError, match="unknown preset 'fog'"):
        Scenario.from_dict({"person": [{"code": "X", "faults": "fog"}]})


def test_replay_a_folder_in_name_order(tmp_path):
    for i, text in enumerate(["RES-A", "RES-B", "RES-C"]):
        img = compose(render_code(text), PRESETS["clean"], rng=np.random.default_rng(i))
        cv2.imwrite(str(tmp_path / f"{i:02d}.png"), img)
    (tmp_path / "notes.txt").write_text("not an image")
    cam = ReplayCamera(tmp_path, fps=50, loop=False)
    decoder = CascadeDecoder()
    cam.start()
    try:
        texts = []
        while (got := cam.read(timeout=1)) is not None:
            texts += [c.text for c in decoder.decode(got[1])]
            time.sleep(0.03)                 # slower than the camera: a frame may be skipped,
    finally:                                 # never shown twice or out of order
        cam.stop()
    assert texts == sorted(texts) and set(texts) <= {"RES-A", "RES-B", "RES-C"} and texts


def test_replay_a_video_in_a_loop(tmp_path):
    path = tmp_path / "clip.avi"
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25, (640, 480))
    frame = cv2.cvtColor(compose(render_code("RES-VID"), PRESETS["clean"]), cv2.COLOR_GRAY2BGR)
    for _ in range(5):
        out.write(frame)
    out.release()
    cam = ReplayCamera(path, fps=100)
    cam.start()
    try:
        got = [cam.read(timeout=1) for _ in range(12)]     # more frames than the clip has
        numbers = [n for n, _ in got]
        assert [c.text for c in CascadeDecoder().decode(got[-1][1])] == ["RES-VID"]
    finally:
        cam.stop()
    assert numbers == sorted(set(numbers))          # looped: never stuck at the end of the clip


def test_replay_source_must_exist(tmp_path):
    with pytest.raises(ValueError, match="no such folder or video"):
        ReplayCamera(tmp_path / "missing")
    with pytest.raises(ValueError, match="no images"):
        ReplayCamera(tmp_path)


@pytest.mark.parametrize("kind", ["scenario", "replay"])
def test_stop_ends_the_simulated_camera_and_no_frame_follows(tmp_path, kind):
    if kind == "scenario":
        cam = SimCamera(Scenario.from_dict({"person": [{"code": "RES-0009"}]}), t0=time.monotonic(), fps=30)
    else:
        cv2.imwrite(str(tmp_path / "00.png"), compose(render_code("RES-A"), PRESETS["clean"]))
        cam = ReplayCamera(tmp_path, fps=30)
    cam.start()
    try:
        assert cam.read(timeout=20) is not None
    finally:
        cam.stop()
    assert not cam._thread.is_alive() and cam.state is DeviceState.DISABLED
    cam.read(timeout=0)                     # the frame that may have come during stop()
    assert cam.read(timeout=0.3) is None
