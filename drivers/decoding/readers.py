"""The reader libraries, each behind one call: ``read(grey) -> list[Code]``.

Each takes an 8-bit single-channel image and never raises on odd input. The libraries
are imported when a reader is built, so the rest of the package loads without them.
"""

from __future__ import annotations

import logging
from ctypes import c_void_p, cast, string_at

import numpy as np

from drivers.decoder import Code
from drivers.decoding.text import decode_bytes, reconcile

log = logging.getLogger(__name__)

# The symbologies a gate reads: community passes (QR) and card codes (1D).
ZBAR_SYMBOLS = ("QRCODE", "CODE128", "CODE39", "EAN13", "EAN8")
ZXING_FORMATS = ("QRCode", "Code128", "Code39", "EAN13", "EAN8")
_ZXING_NAMES = {"QRCode": "QRCODE", "Code128": "CODE128", "Code39": "CODE39", "EAN13": "EAN13", "EAN8": "EAN8"}

# libzbar >= 0.23 settings that pyzbar's enum predates.
_ZBAR_CFG_BINARY = 4           # hand over the raw payload bytes, no charset guessing
_ZBAR_CFG_TEST_INVERTED = 0x81  # also try light-on-dark QR codes
_Y800 = 0x30303859


def _bbox(xs: list[int], ys: list[int]) -> tuple[int, int, int, int]:
    if not xs:
        return (0, 0, 0, 0)
    return (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))


class ZbarReader:
    """libzbar through pyzbar's ctypes binding, with one scanner kept for every frame.

    pyzbar.decode builds a scanner per call and asks zbar to convert text; here the
    scanner is configured once (only our symbologies, raw bytes, inverted codes too).
    """

    name = "zbar"

    def __init__(self, symbols: tuple[str, ...] = ZBAR_SYMBOLS, inverted: bool = True) -> None:
        from pyzbar import wrapper as zw

        self._zw = zw
        self._scanner = zw.zbar_image_scanner_create()
        zw.zbar_image_scanner_set_config(self._scanner, zw.ZBarSymbol.NONE, zw.ZBarConfig.CFG_ENABLE, 0)
        for s in symbols:
            zw.zbar_image_scanner_set_config(self._scanner, zw.ZBarSymbol[s], zw.ZBarConfig.CFG_ENABLE, 1)
        zw.zbar_image_scanner_set_config(self._scanner, zw.ZBarSymbol.NONE, _ZBAR_CFG_BINARY, 1)
        if inverted:
            zw.zbar_image_scanner_set_config(self._scanner, zw.ZBarSymbol.QRCODE, _ZBAR_CFG_TEST_INVERTED, 1)

    def read(self, grey: np.ndarray) -> list[Code]:
        zw = self._zw
        h, w = grey.shape[:2]
        data = np.ascontiguousarray(grey).tobytes()
        image = zw.zbar_image_create()
        try:
            zw.zbar_image_set_format(image, _Y800)
            zw.zbar_image_set_size(image, w, h)
            zw.zbar_image_set_data(image, cast(data, c_void_p), len(data), None)
            if zw.zbar_scan_image(self._scanner, image) <= 0:
                return []
            out = []
            sym = zw.zbar_image_first_symbol(image)
            while sym:
                raw = string_at(zw.zbar_symbol_get_data(sym), zw.zbar_symbol_get_data_length(sym))
                n = zw.zbar_symbol_get_loc_size(sym)
                xs = [zw.zbar_symbol_get_loc_x(sym, i) for i in range(n)]
                ys = [zw.zbar_symbol_get_loc_y(sym, i) for i in range(n)]
                kind = zw.ZBarSymbol(sym.contents.type).name
                out.append(Code(kind, decode_bytes(raw), _bbox(xs, ys)))
                sym = zw.zbar_symbol_next(sym)
            return out
        finally:
            zw.zbar_image_destroy(image)

    def __del__(self) -> None:
        try:
            self._zw.zbar_image_scanner_destroy(self._scanner)
        except Exception:   # interpreter shutdown: the library may be gone already
            pass


class ZxingReader:
    """zxing-cpp. ``thorough`` adds its own down-scaled and rotated passes."""

    name = "zxing"

    def __init__(self, formats: tuple[str, ...] = ZXING_FORMATS, thorough: bool = False) -> None:
        import zxingcpp

        self._zx = zxingcpp
        self._formats = [getattr(zxingcpp.BarcodeFormat, f) for f in formats]
        self._thorough = thorough
        self.name = "zxing+" if thorough else "zxing"

    def read(self, grey: np.ndarray) -> list[Code]:
        zx = self._zx
        found = zx.read_barcodes(np.ascontiguousarray(grey), formats=self._formats,
                                 try_rotate=self._thorough, try_downscale=self._thorough, try_invert=True,
                                 text_mode=zx.TextMode.Plain)
        out = []
        for b in found:
            kind = _ZXING_NAMES.get(b.format.name, b.format.name.upper())
            p = b.position
            corners = (p.top_left, p.top_right, p.bottom_right, p.bottom_left)
            rect = _bbox([c.x for c in corners], [c.y for c in corners])
            out.append(Code(kind, reconcile(bytes(b.bytes), b.text), rect))
        return out


class OpenCVQRReader:
    """OpenCV's own QR detector and decoder (QR only)."""

    name = "opencv"

    def __init__(self) -> None:
        import cv2

        self._cv2 = cv2
        self._detector = cv2.QRCodeDetector()

    def read(self, grey: np.ndarray) -> list[Code]:
        cv2 = self._cv2
        try:
            text, points, _ = self._detector.detectAndDecode(grey)
        except (cv2.error, UnicodeDecodeError):
            # OpenCV decodes the payload as UTF-8 itself and raises on anything else.
            return []
        if not text or points is None:
            return []
        pts = points.reshape(-1, 2)
        rect = _bbox([int(x) for x in pts[:, 0]], [int(y) for y in pts[:, 1]])
        raw = text.encode("latin-1", errors="ignore") if all(ord(c) < 256 for c in text) else None
        return [Code("QRCODE", reconcile(raw, text) if raw else text, rect)]


READERS = {"zbar": ZbarReader, "zxing": ZxingReader, "opencv": OpenCVQRReader}
