"""Code decoder interface and the pyzbar implementation."""

from __future__ import annotations

import abc
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Code:
    type: str                      # "QRCODE", "CODE128", "EAN13", ...
    text: str                      # exact decoded text
    rect: tuple[int, int, int, int] = (0, 0, 0, 0)   # x, y, w, h in frame pixels

    @property
    def area(self) -> int:
        return self.rect[2] * self.rect[3]


class Decoder(abc.ABC):
    @abc.abstractmethod
    def decode(self, frame: np.ndarray) -> list[Code]:
        """All codes readable in the frame (BGR or grey). Must never raise on odd input."""


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Older Chinese systems make codes in GB 18030.
        return data.decode("gb18030", errors="replace")


class PyzbarDecoder(Decoder):
    def decode(self, frame: np.ndarray) -> list[Code]:
        from pyzbar import pyzbar

        if frame is None or frame.size == 0:
            return []
        grey = frame if frame.ndim == 2 else frame.mean(axis=2).astype(np.uint8)
        out = []
        for sym in pyzbar.decode(grey):
            r = sym.rect
            out.append(Code(sym.type, _text(sym.data), (r.left, r.top, r.width, r.height)))
        return out
