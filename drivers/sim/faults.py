"""Renders codes into camera frames with the faults a gate camera really sees.

A phone held at an angle, in sun glare or at dusk, in dark mode, small and far away,
shaking: each is one field of ``Faults``. ``render_code`` draws the clean symbol,
``compose`` places it on a busy background and applies the faults. Everything is
deterministic for a given ``numpy.random.Generator``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

KINDS = ("qr", "code128", "ean13", "code39")


def render_code(text: str, kind: str = "qr", module_px: int = 6, encoding: str | None = None) -> np.ndarray:
    """A grey image of the code (black on white) with its quiet zone.

    ``encoding`` picks the byte encoding of a QR code's text (e.g. ``"gb18030"`` as
    older Chinese systems make them); None lets the encoder choose (UTF-8 for non-Latin).
    """
    if kind == "qr":
        import segno

        qr = segno.make(text, error="m", micro=False, encoding=encoding)
        matrix = np.array([[0 if v else 255 for v in row] for row in qr.matrix_iter(border=4)], dtype=np.uint8)
        return cv2.resize(matrix, None, fx=module_px, fy=module_px, interpolation=cv2.INTER_NEAREST)
    if kind not in KINDS:
        raise ValueError(f"unknown code kind {kind!r}; known: {', '.join(KINDS)}")
    import barcode

    name = {"code128": "code128", "ean13": "ean13", "code39": "code39"}[kind]
    options = {"add_checksum": False} if kind == "code39" else None
    modules = barcode.get(name, text, options=options).build()[0]
    row = np.array([0 if m == "1" else 255 for m in modules], dtype=np.uint8)
    row = np.pad(row, 10, constant_values=255)
    img = np.repeat(row[None, :], max(30, len(row) // 4), axis=0)
    img = cv2.resize(img, None, fx=module_px, fy=module_px, interpolation=cv2.INTER_NEAREST)
    return np.pad(img, ((5 * module_px, 5 * module_px), (0, 0)), constant_values=255)


@dataclass(frozen=True)
class Faults:
    """What is wrong with one frame. The defaults are a clean, centred, mid-sized code."""

    module_px: float = 4.0       # size of one QR module in the frame, pixels (small: far away);
                                 # a 1D code's narrow bar is 0.7 of it
    tilt_deg: float = 0.0        # phone tilted away from the camera (perspective), degrees
    rotate_deg: float = 0.0      # in-plane rotation, degrees
    blur_px: float = 0.0         # out of focus: Gaussian sigma, pixels
    shake_px: float = 0.0        # motion blur length, pixels
    glare: float = 0.0           # 0..1: a bright reflection washing out part of the code
    dark_mode: bool = False      # light modules on a dark screen
    light: float = 1.0           # scene brightness: 1 daylight, 0.15 dusk
    noise: float = 2.0           # sensor noise, grey levels (grows as light falls)
    offset: tuple[float, float] = (0.0, 0.0)   # code centre shift, fraction of frame size

    def named(self) -> str:
        parts = [f"{k}={v}" for k, v in self.__dict__.items() if v != getattr(CLEAN, k)]
        return ",".join(parts) or "clean"


CLEAN = Faults()

# One preset per fault the issue names, and a few together, for the benchmark and tests.
PRESETS: dict[str, Faults] = {
    "clean": CLEAN,
    "small": replace(CLEAN, module_px=2.0),
    "blur": replace(CLEAN, blur_px=2.2),
    "shake": replace(CLEAN, shake_px=9),
    "glare": replace(CLEAN, glare=0.85),
    "angle": replace(CLEAN, tilt_deg=50, rotate_deg=20),
    "dark_mode": replace(CLEAN, dark_mode=True),
    "low_light": replace(CLEAN, light=0.12, noise=6.0),
    "dusk_shake": replace(CLEAN, light=0.25, noise=5.0, shake_px=6),
    "small_angle": replace(CLEAN, module_px=2.6, tilt_deg=40, rotate_deg=-30),
    "dark_glare": replace(CLEAN, dark_mode=True, glare=0.6),
    "small_blur": replace(CLEAN, module_px=2.6, blur_px=1.4),
}


def background(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """A gate seen by the camera: a lit gradient, a few dark and light shapes, texture."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    gx, gy = rng.uniform(-60, 60, 2)
    img = 140 + gx * (x / width - 0.5) + gy * (y / height - 0.5)
    for _ in range(int(rng.integers(3, 7))):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        w, h = int(rng.integers(30, width // 2)), int(rng.integers(30, height // 2))
        img[y0:y0 + h, x0:x0 + w] += rng.uniform(-70, 70)
    img += cv2.GaussianBlur(rng.normal(0, 12, (height, width)).astype(np.float32), (0, 0), 2.0)
    return np.clip(img, 0, 255).astype(np.float32)


def compose(code: np.ndarray | None, faults: Faults = CLEAN, width: int = 640, height: int = 480,
            rng: np.random.Generator | None = None, scene: np.ndarray | None = None,
            code_module_px: int = 6, linear: bool = False) -> np.ndarray:
    """A grey ``height`` x ``width`` frame showing ``code`` (or nobody, if None) with ``faults``.

    ``code_module_px`` is the module size ``code`` was rendered at; ``linear`` marks a 1D code.
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    frame = (scene.astype(np.float32) if scene is not None else background(width, height, rng)).copy()
    if code is not None:
        target = faults.module_px * (0.7 if linear else 1.0)
        scale = min(target / code_module_px, 0.92 * width / code.shape[1], 0.92 * height / code.shape[0])
        frame = _place(frame, code, faults, scale, rng)
    if faults.shake_px > 0:
        frame = _motion_blur(frame, faults.shake_px, float(rng.uniform(0, 180)))
    if faults.blur_px > 0:
        frame = cv2.GaussianBlur(frame, (0, 0), faults.blur_px)
    frame = frame * faults.light
    if faults.noise > 0:
        frame = frame + rng.normal(0, faults.noise, frame.shape).astype(np.float32)
    return np.clip(frame, 0, 255).astype(np.uint8)


def _place(frame: np.ndarray, code: np.ndarray, f: Faults, scale: float, rng: np.random.Generator) -> np.ndarray:
    height, width = frame.shape
    sym = code.astype(np.float32)
    if f.dark_mode:
        # A dark-mode screen: light-grey modules on near black.
        sym = 235 - sym * (205 / 255)
    else:
        sym = 25 + sym * (205 / 255)
    # The phone's screen around the code: a bezel slightly larger than the symbol.
    pad = max(4, sym.shape[1] // 12)
    screen_level = float(sym[0, 0])
    sym = np.pad(sym, pad, constant_values=screen_level)
    sym = np.pad(sym, max(2, pad // 3), constant_values=20.0)
    h, w = sym.shape
    cx = width / 2 + f.offset[0] * width
    cy = height / 2 + f.offset[1] * height
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    # Tilt about the vertical axis: the far edge shrinks, as a phone turned away does.
    t = np.radians(f.tilt_deg)
    half_w, half_h = w * scale / 2, h * scale / 2
    near, far = 1.0, max(0.3, 1.0 - 0.6 * np.sin(t))
    squeeze = np.cos(t)
    dst = np.float32([[-half_w * squeeze, -half_h * near], [half_w * squeeze, -half_h * far],
                      [half_w * squeeze, half_h * far], [-half_w * squeeze, half_h * near]])
    r = np.radians(f.rotate_deg)
    rot = np.float32([[np.cos(r), -np.sin(r)], [np.sin(r), np.cos(r)]])
    dst = dst @ rot.T + np.float32([cx, cy])
    m = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(sym, m, (width, height), flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
                                 borderValue=-1.0)
    mask = cv2.warpPerspective(np.ones_like(sym), m, (width, height), flags=cv2.INTER_LINEAR)
    out = frame * (1 - mask) + np.where(warped < 0, 0, warped) * mask
    if f.glare > 0:
        out = _glare(out, dst, f.glare, rng)
    return out


def _glare(frame: np.ndarray, quad: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """A soft bright reflection over part of the code, lowering its contrast there."""
    height, width = frame.shape
    x0, y0 = quad.min(axis=0)
    x1, y1 = quad.max(axis=0)
    gx = rng.uniform(x0 + 0.2 * (x1 - x0), x1 - 0.2 * (x1 - x0))
    gy = rng.uniform(y0 + 0.2 * (y1 - y0), y1 - 0.2 * (y1 - y0))
    sigma = 0.25 * max(x1 - x0, y1 - y0)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    spot = np.exp(-((x - gx) ** 2 + (y - gy) ** 2) / (2 * sigma * sigma))
    return frame + (255 - frame) * strength * spot


def _motion_blur(frame: np.ndarray, length: float, angle_deg: float) -> np.ndarray:
    n = max(3, int(round(length)) | 1)
    kernel = np.zeros((n, n), np.float32)
    kernel[n // 2, :] = 1.0
    rot = cv2.getRotationMatrix2D((n / 2 - 0.5, n / 2 - 0.5), angle_deg, 1.0)
    kernel = cv2.warpAffine(kernel, rot, (n, n))
    kernel /= kernel.sum()
    return cv2.filter2D(frame, -1, kernel)


# What a gate is shown: community passes (short, and a long signed one), ID codes on
# cards, and QR codes from other systems in UTF-8 and in GB 18030.
SAMPLE_CODES: tuple[tuple[str, str, str | None], ...] = (
    ("qr", "RES-0001", None),
    ("qr", "CP1:2K5TQ0ZQEW$8P3C2A-9RVT0PZ.GL:JK1T4F0O0C", None),
    ("qr", "住户 3-2-301 张三", None),
    ("qr", "访客:李四 电话13800000000", "gb18030"),
    ("code128", "STAFF-12345", None),
    ("ean13", "6901234567892", None),
    ("code39", "ID42817", None),
)


def sample_frames(seed: int = 7, presets: dict[str, Faults] | None = None, width: int = 640, height: int = 480):
    """Every sample code under every preset fault: (fault name, kind, text, frame)."""
    rng = np.random.default_rng(seed)
    for name, faults in (presets or PRESETS).items():
        for kind, text, encoding in SAMPLE_CODES:
            code = render_code(text, kind, encoding=encoding)
            yield name, kind, text, compose(code, faults, width, height, rng=rng, linear=kind != "qr")
