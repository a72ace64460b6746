"""An ID card reader as a code reader: polls its SDK on a thread of its own and delivers
each card's number (code type IDCARD) with the holder's masked name."""

from __future__ import annotations

import logging
from typing import Callable

from drivers.idcard.sdk import IdCardError, IdCardSdk
from drivers.reader import IDCARD, ReaderCode, ThreadedReader
from drivers.state import DeviceState

log = logging.getLogger(__name__)


class IdCardReader(ThreadedReader):
    def __init__(self, name: str, make_sdk: Callable[[], IdCardSdk], *, poll_s: float = 0.3,
                 backoff_s: tuple[float, float] = (0.5, 5.0)) -> None:
        super().__init__(name)
        self.make_sdk, self.poll_s, self.backoff_s = make_sdk, poll_s, backoff_s
        self.last_error: str | None = None
        self._counts = {"cards": 0, "opens": 0, "failed_opens": 0}

    def stats(self) -> dict:
        return dict(self._counts)

    def _run(self, on_code) -> None:
        backoff = self.backoff_s[0]
        while not self._stop.is_set():
            try:
                sdk = self.make_sdk()       # the vendor library is loaded here, on first use
                sdk.open()
            except IdCardError as exc:
                self.state, self.last_error = DeviceState.ERROR, str(exc)
                self._counts["failed_opens"] += 1
                log.log(logging.WARNING if self._counts["failed_opens"] == 1 else logging.DEBUG,
                        "reader %s: %s; retrying", self.name, exc)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.backoff_s[1])
                continue
            self._counts["opens"] += 1
            self.state, self.last_error, backoff = DeviceState.OK, None, self.backoff_s[0]
            try:
                self._session(sdk, on_code)
            except IdCardError as exc:
                self.state, self.last_error = DeviceState.ABSENT, str(exc)
                log.warning("reader %s lost: %s", self.name, exc)
            finally:
                sdk.close()

    def _session(self, sdk: IdCardSdk, on_code) -> None:
        while not self._stop.wait(self.poll_s):
            card = sdk.read()
            if card is None:
                continue
            self._counts["cards"] += 1
            try:
                on_code(ReaderCode(card.number, self.name, IDCARD, holder=card.name_masked))
            except Exception:
                log.exception("reader %s: code handler failed", self.name)
