"""The checkpoint: frame -> decode -> debounce -> pair a temperature -> decide ->
journal (durable) -> gate and UI event. Runs on one thread of its own; the camera and
thermometer deliver from theirs."""

from __future__ import annotations

import collections
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

from drivers.debounce import Debouncer
from drivers.decoder import Code
from drivers.registry import Devices
from kiosk.events import EventBus
from kiosk.journal import Journal
from kiosk.policy import decide
from kiosk.registry import Registry
from kiosk.temperature import TemperatureTracker

log = logging.getLogger(__name__)


@dataclass
class PendingScan:
    code: Code
    t: float


@dataclass
class Timing:
    """How long one decision took, for the status bar and bench/ (monotonic seconds)."""

    scan_t: float
    ready_t: float          # when both the code and a settled temperature were in
    decided_t: float        # journaled, gate pulsed, event published

    @property
    def latency_ms(self) -> float:
        return (self.decided_t - self.ready_t) * 1000


class Checkpoint:
    def __init__(self, cfg, devices: Devices, journal: Journal, registry: Registry, events: EventBus,
                 on_journaled: Callable[[], None] | None = None) -> None:
        self.cfg, self.devices, self.journal = cfg, devices, journal
        self.registry, self.events = registry, events
        self.on_journaled = on_journaled or (lambda: None)
        self.debouncer = Debouncer(cfg.policy.debounce_s)
        self.temps = TemperatureTracker(offset_c=cfg.thermometer.offset_c)
        self._pending: PendingScan | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.frames = 0
        self.timings: collections.deque[Timing] = collections.deque(maxlen=1000)

    def start(self) -> None:
        self.devices.thermometer.start(self.temps.add)
        self.devices.camera.start()
        self._thread = threading.Thread(target=self._run, name="checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.step()
            except Exception:   # one bad frame or bug must not stop the gate
                log.exception("checkpoint step failed")
                time.sleep(0.1)

    def step(self) -> None:
        got = self.devices.camera.read(timeout=0.2)
        now = time.monotonic()
        if got is not None:
            _, frame = got
            self.frames += 1
            scan = self.debouncer.feed(self.devices.decoder.decode(frame), now, frame.shape)
            if scan is not None:
                if self._pending is not None:
                    # The next person is already here: settle the previous one with what we have.
                    self._settle(self._pending, now, force=True)
                self._pending = PendingScan(scan, now)
                self.events.publish("scan", {"type": scan.type})
        if self._pending is not None:
            self._settle(self._pending, now)

    def _settle(self, pending: PendingScan, now: float, force: bool = False) -> None:
        window = self.cfg.policy.pairing_window_s
        temp = self.temps.for_scan(pending.t, now if not force else pending.t + window, window)
        if temp.status == "pending":
            return
        self._pending = None
        ready_t = max(pending.t, temp.settled_t or pending.t) if not force else now
        known = self.registry.lookup(pending.code.text)
        decision = decide(known, temp, self.cfg.policy.fever_c)
        credential = {"kind": "id_code" if known else "unknown", "code_type": pending.code.type}
        if known:
            credential.update({k: known[k] for k in ("household", "role") if k in known})
        entry = self.journal.append({
            "direction": self.cfg.kiosk.direction,
            "credential": credential,
            "temperature": temp.as_record(self.cfg.thermometer.protocol),
            "decision": decision.decision,
            "reasons": list(decision.reasons),
            "operator": None,
            "visitor": None,
        })
        if decision.decision == "admit":
            self.devices.relay.pulse(self.cfg.relay.pulse_ms)
        self.events.publish("decision", entry)
        self.timings.append(Timing(pending.t, ready_t, time.monotonic()))
        self.on_journaled()
        log.info("seq %d: %s %s", entry["seq"], entry["decision"], ",".join(entry["reasons"]) or "-")
