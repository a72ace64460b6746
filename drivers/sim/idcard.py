"""An ID card reader simulated at its SDK's seam: the scenario's ``idcard = "..."``
person lays their card on the reader while they stand at the gate. The same
IdCardReader polls it as it polls a vendor SDK (drivers/idcard/reader.py)."""

from __future__ import annotations

import time

from drivers.idcard.sdk import CardText


class ScenarioIdCardSdk:
    def __init__(self, scenario, t0: float, loop: bool = False) -> None:
        self.scenario, self.t0, self.loop = scenario, t0, loop

    def open(self) -> None:
        pass

    def read(self) -> CardText | None:
        t = time.monotonic() - self.t0
        if self.loop and self.scenario.duration_s > 0:
            t %= self.scenario.duration_s
        who = self.scenario.at(t)
        number = getattr(who, "idcard", None) if who is not None else None
        return CardText(number, None) if number else None

    def close(self) -> None:
        pass
