"""`kiosk decode IMAGE...`: the console script, on images written to disk."""

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from drivers.sim.faults import PRESETS, compose, render_code

REPO = Path(__file__).resolve().parent.parent.parent


def run_kiosk(*args):
    script = Path(sys.executable).with_name("kiosk")
    env = dict(os.environ, PYTHONPATH=str(REPO))     # the checkout under test, not an installed copy
    return subprocess.run([str(script), *args], capture_output=True, text=True, env=env, timeout=60)


def test_decode_prints_one_json_line_per_image(tmp_path):
    qr = tmp_path / "pass.png"
    gb = tmp_path / "dark-gb.png"
    empty = tmp_path / "empty.png"
    cv2.imwrite(str(qr), compose(render_code("RES-0001"), PRESETS["angle"], rng=np.random.default_rng(1)))
    cv2.imwrite(str(gb), compose(render_code("访客:李四", encoding="gb18030"), PRESETS["dark_mode"],
                                 rng=np.random.default_rng(2)))
    cv2.imwrite(str(empty), compose(None, rng=np.random.default_rng(3)))
    p = run_kiosk("decode", str(qr), str(gb), str(empty))
    assert p.returncode == 0, p.stderr
    lines = [json.loads(line) for line in p.stdout.splitlines()]
    assert [x["file"] for x in lines] == [str(qr), str(gb), str(empty)]
    assert lines[0]["codes"] == [{"type": "QRCODE", "text": "RES-0001"}]
    assert lines[1]["codes"] == [{"type": "QRCODE", "text": "访客:李四"}]
    assert lines[2]["codes"] == []
    assert all(isinstance(x["ms"], float) for x in lines)


def test_decode_reports_an_unreadable_file(tmp_path):
    bad = tmp_path / "not-an-image.png"
    bad.write_bytes(b"nope")
    p = run_kiosk("decode", str(bad))
    assert p.returncode == 1
    assert json.loads(p.stdout) == {"file": str(bad), "error": "cannot read image"}
