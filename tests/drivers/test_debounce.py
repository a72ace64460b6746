"""One person showing a code is one scan; the same code after a quiet time is another."""

from drivers.debounce import Debouncer
from drivers.decoder import Code

SHAPE = (480, 640)
A = Code("QRCODE", "RES-0001", (270, 190, 100, 100))
B = Code("QRCODE", "RES-0002", (20, 20, 60, 60))


def feed_many(d, frames, t0=0.0, dt=1 / 15):
    return [d.feed(codes, t0 + i * dt, SHAPE) for i, codes in enumerate(frames)]


def test_same_code_over_consecutive_frames_is_one_scan():
    out = feed_many(Debouncer(3.0), [[A]] * 30)
    assert out[0] == A and out[1:] == [None] * 29


def test_missed_frames_inside_the_quiet_time_do_not_make_a_new_scan():
    d = Debouncer(3.0)
    frames = [[A]] * 5 + [[]] * 10 + [[A]] * 5   # the decoder missed a few frames
    assert [x for x in feed_many(d, frames) if x] == [A]


def test_same_code_after_the_quiet_time_is_a_new_scan():
    d = Debouncer(2.0)
    assert d.feed([A], 0.0, SHAPE) == A
    assert d.feed([A], 1.0, SHAPE) is None
    assert d.feed([], 2.5, SHAPE) is None
    assert d.feed([A], 3.5, SHAPE) == A          # quiet since 1.0, longer than 2 s


def test_code_held_up_without_a_break_stays_one_scan():
    d = Debouncer(1.0)
    out = feed_many(d, [[A]] * 100, dt=0.2)      # 20 s in front of the camera
    assert sum(x is not None for x in out) == 1


def test_different_code_is_a_new_scan_at_once():
    d = Debouncer(3.0)
    assert d.feed([A], 0.0, SHAPE) == A
    assert d.feed([B], 0.1, SHAPE) == B


def test_two_codes_in_one_frame_pick_the_largest():
    assert Debouncer(3.0).feed([B, A], 0.0, SHAPE) == A


def test_two_codes_of_one_size_pick_the_one_nearest_the_centre():
    near = Code("QRCODE", "NEAR", (280, 200, 80, 80))
    far = Code("QRCODE", "FAR", (0, 0, 80, 80))
    assert Debouncer(3.0).feed([far, near], 0.0, SHAPE) == near


def test_no_codes_is_no_scan():
    assert Debouncer(3.0).feed([], 0.0, SHAPE) is None
