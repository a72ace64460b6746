"""The tones the kiosk makes itself, as samples: nothing to ship or download.

The refer chime is a doorbell's two falling notes, twice ("ding-dong, ding-dong"),
bell-like (a decaying fundamental with a softer octave): it calls a volunteer and must
not be mistaken for the screen's short rising admit tone or its low deny buzz.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

RATE = 22050
PEAK = 0.6          # of full scale, before the configured volume


class Pcm(NamedTuple):
    """16-bit PCM audio: interleaved samples, channels and rate."""

    samples: np.ndarray
    channels: int
    rate: int


def _bell(freq: float, seconds: float) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    tone = np.sin(2 * np.pi * freq * t) + 0.35 * np.sin(4 * np.pi * freq * t)
    attack = np.minimum(1.0, t / 0.005)          # no click at the start
    return tone * attack * np.exp(-t * 5.0)


def refer() -> Pcm:
    """The refer chime (16-bit mono, about 1.3 s)."""
    notes = [(988.0, 0.32), (784.0, 0.42), (988.0, 0.32), (784.0, 0.55)]
    signal = np.concatenate([_bell(f, s) for f, s in notes])
    signal = signal / np.max(np.abs(signal)) * PEAK
    return Pcm((signal * 32767).astype("<i2"), 1, RATE)
