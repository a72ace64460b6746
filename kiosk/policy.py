"""Who may pass: one decision per scan, with machine-readable reason codes."""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.temperature import TemperatureResult


@dataclass(frozen=True)
class Decision:
    decision: str                       # "admit" | "deny" | "refer"
    reasons: tuple[str, ...] = field(default_factory=tuple)


def decide(known: dict | None, temp: TemperatureResult, fever_c: float) -> Decision:
    reasons = []
    if known is None:
        reasons.append("unknown_code")
    if temp.status == "ok" and temp.value_c is not None and temp.value_c >= fever_c:
        return Decision("deny", ("fever", *reasons))
    if temp.status == "none":
        reasons.append("no_temperature")
    elif temp.status == "misread":
        reasons.append("misread_temperature")
    return Decision("refer" if reasons else "admit", tuple(reasons))
