"""The kiosk's decoder on generated faulty frames, dataset photographs and junk input."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from drivers.decoder import Code, PyzbarDecoder
from drivers.decoding import CascadeDecoder, FrameGate
from drivers.sim.faults import PRESETS, SAMPLE_CODES, background, compose, render_code

DATA = Path(__file__).resolve().parent.parent / "data" / "qr-blackbox"

# (fault preset, code index in SAMPLE_CODES): what a gate must read, every fault the
# issue names, on passes, a GB 18030 code and the 1D card codes. (Heavy shake and blur
# on small codes are beyond every reader measured; bench/decode_bench.py counts them.)
CASES = [(p, i) for p in ("clean", "small", "glare", "dark_mode", "dark_glare") for i in range(7)] + [
    (p, i) for p in ("blur", "angle", "low_light", "small_angle") for i in range(4)] + [("angle", 5)]
TYPES = {"qr": "QRCODE", "code128": "CODE128", "ean13": "EAN13", "code39": "CODE39"}


def frame(preset: str, index: int, seed: int = 11) -> tuple[np.ndarray, str, str]:
    kind, text, encoding = SAMPLE_CODES[index]
    code = render_code(text, kind, encoding=encoding)
    img = compose(code, PRESETS[preset], rng=np.random.default_rng(seed), linear=kind != "qr")
    return img, TYPES[kind], text


@pytest.fixture(scope="module")
def decoder():
    # What the cascade can read, not how fast: a budget no step hits, so a busy test
    # machine cannot change the answer. Speed is bench/decode_bench.py's business.
    return CascadeDecoder(budget_ms=10_000)


@pytest.mark.parametrize("preset, index", CASES, ids=[f"{p}-{SAMPLE_CODES[i][0]}{i}" for p, i in CASES])
def test_reads_faulty_frame(decoder, preset, index):
    img, kind, text = frame(preset, index)
    codes = decoder.decode(img)
    assert [(c.type, c.text) for c in codes] == [(kind, text)]


def test_code_rect_is_where_the_code_is(decoder):
    img, _, _ = frame("clean", 0)
    (code,) = decoder.decode(img)
    x, y, w, h = code.rect
    assert 200 < x + w / 2 < 440 and 140 < y + h / 2 < 340 and w > 40 and h > 40


def test_colour_frame(decoder):
    img, kind, text = frame("clean", 1)
    assert [c.text for c in decoder.decode(cv2.cvtColor(img, cv2.COLOR_GRAY2BGR))] == [text]


@pytest.mark.parametrize("png", sorted(DATA.glob("*.png")), ids=lambda p: p.stem)
def test_dataset_photographs(decoder, png):
    expected = png.with_suffix(".txt").read_bytes().decode("utf-8")
    texts = [c.text for c in decoder.decode(cv2.imread(str(png)))]
    assert expected in texts


@pytest.mark.parametrize("junk", [
    None, np.zeros((0, 0), np.uint8), np.zeros((1, 1), np.uint8), np.zeros((480, 640), np.float64) + 300,
    np.zeros((480, 640, 4), np.uint8), np.zeros((4, 4, 7), np.uint8), np.full((480, 640), 255, np.uint8),
    np.random.default_rng(0).integers(0, 256, (480, 640), dtype=np.uint8),
], ids=["none", "empty", "1px", "float", "bgra", "7ch", "white", "noise"])
def test_junk_never_raises_nor_reads(decoder, junk):
    assert decoder.decode(junk) == []


def test_empty_scenes_read_nothing(decoder):
    rng = np.random.default_rng(5)
    assert all(decoder.decode(compose(None, rng=rng)) == [] for _ in range(10))


def test_gate_skips_an_unchanged_empty_view_but_not_a_code_that_appears():
    rng = np.random.default_rng(2)
    scene = background(640, 480, rng)
    d = CascadeDecoder(gate=FrameGate())
    for _ in range(5):
        assert d.decode(compose(None, scene=scene, rng=rng)) == []
    assert d.last.gate == "unchanged" and d.last.tried == []
    small = compose(render_code("RES-0042"), PRESETS["small"], scene=scene, rng=rng)
    assert [c.text for c in d.decode(small)] == ["RES-0042"]


def test_gate_keeps_trying_a_code_held_still():
    # A code that a frame could not read is tried again on the next, unchanged frame.
    rng = np.random.default_rng(4)
    img = compose(render_code("RES-0007"), PRESETS["clean"], rng=rng)
    d = CascadeDecoder(steps=("opencv",), gate=FrameGate())   # a weak reader on purpose
    d.decode(img)
    d.decode(img)
    assert d.last.gate == "structure" and d.last.tried == ["opencv"]


def test_budget_stops_the_cascade_after_the_first_step():
    d = CascadeDecoder(budget_ms=0.001)
    d.decode(np.random.default_rng(1).integers(0, 256, (480, 640), dtype=np.uint8))
    assert d.last.tried == ["zxing"] and d.last.out_of_budget


def test_unknown_step_is_refused():
    with pytest.raises(ValueError, match="unknown decoder step"):
        CascadeDecoder(steps=("zxing", "magic"))


def test_plain_pyzbar_decoder_still_reads():
    img, kind, text = frame("clean", 0)
    assert PyzbarDecoder().decode(img) == [Code(kind, text, PyzbarDecoder().decode(img)[0].rect)]


def test_code_like_view_that_never_reads_gets_the_full_cascade_every_third_frame():
    # A tight checkerboard looks like a code to the gate but holds none.
    board = (np.indices((480, 640)).sum(axis=0) // 3 % 2 * 200 + 30).astype(np.uint8)
    d = CascadeDecoder(budget_ms=10_000, gate=FrameGate())
    full = []
    for _ in range(9):
        assert d.decode(board) == []
        full.append(not d.last.cheap_only)
    assert full == [True, True, True, True, False, False, True, False, False]
    assert d.last.tried == [s.name for s in d.steps[:2]]
    img, _, text = frame("clean", 0)
    assert [c.text for c in d.decode(img)] == [text]          # a real code: read at once
    assert d.decode(board) == [] and not d.last.cheap_only    # and the count starts again


def test_without_a_gate_every_image_gets_the_full_cascade():
    # `kiosk decode` reads unrelated images: none may be cut short by the ones before.
    board = (np.indices((480, 640)).sum(axis=0) // 3 % 2 * 200 + 30).astype(np.uint8)
    d = CascadeDecoder(budget_ms=10_000)
    for _ in range(6):
        d.decode(board)
        assert not d.last.cheap_only and len(d.last.tried) == len(d.steps)
