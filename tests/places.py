"""Where a test finds the checkout. (A free loopback port: sync.mosquitto.free_port.)"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
