"""The kiosk's code reader: an empty-frame gate, then a cascade of reader libraries.

``drivers.decoder`` holds the interface (``Decoder``, ``Code``); this package holds the
implementation the kiosk runs (``CascadeDecoder``) and its parts.
"""

from drivers.decoding.cascade import DEFAULT_STEPS, STEPS, CascadeDecoder, FrameReport
from drivers.decoding.gate import FrameGate, Verdict
from drivers.decoding.text import decode_bytes, reconcile

__all__ = ["CascadeDecoder", "FrameReport", "FrameGate", "Verdict", "DEFAULT_STEPS", "STEPS",
           "decode_bytes", "reconcile"]
