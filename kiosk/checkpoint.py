"""The checkpoint: frame -> decode -> debounce -> pair a temperature -> decide ->
journal (durable) -> gate and UI event. Runs on one thread of its own; the camera and
thermometer deliver from theirs."""

from __future__ import annotations

import collections
import logging
import queue
import threading
import time
from datetime import datetime, timezone
from dataclasses import dataclass
from typing import Callable

from drivers.debounce import Debouncer
from drivers.decoder import Code
from drivers.reader import ReaderCode
from drivers.factories import Devices
from kiosk.events import EventBus
from kiosk.freespace import FreeSpaceMonitor
from kiosk.handheld import SENSOR as HANDHELD_SENSOR
from kiosk.handheld import HandheldReadings
from kiosk.holding import HoldingJournal
from kiosk.journal import Journal
from kiosk.policy import Remeasure
from kiosk.gatekeeper import Gatekeeper, policy_rules
from kiosk.temperature import TemperatureResult, TemperatureTracker
from kiosk.watchdog import Watchdog

log = logging.getLogger(__name__)


@dataclass
class PendingScan:
    code: Code
    t: float
    source: str = "camera"                     # the camera or a [[reader]]'s name
    holder: str | None = None                  # a masked name the reader gave (an ID card's)
    first: TemperatureResult | None = None     # set while re-measuring: the first reading


@dataclass
class Timing:
    """How long one decision took, for the status bar and bench/ (monotonic seconds)."""

    scan_t: float
    ready_t: float          # when both the code and a settled temperature were in
    decided_t: float        # journaled, gate pulsed, event published
    source: str = "camera"  # where the code came from: the camera or a [[reader]]'s name

    @property
    def latency_ms(self) -> float:
        return (self.decided_t - self.ready_t) * 1000


class Checkpoint:
    def __init__(self, cfg, devices: Devices, journal: Journal, gatekeeper: Gatekeeper, events: EventBus,
                 on_journaled: Callable[[], None] | None = None) -> None:
        self.cfg, self.devices = cfg, devices
        self.gatekeeper, self.events = gatekeeper, events
        self.on_journaled = on_journaled or (lambda: None)
        self.debouncer = Debouncer(cfg.policy.debounce_s)
        self.temps = TemperatureTracker.from_config(cfg.thermometer, sensor_state=lambda: devices.thermometer.state)
        self._pending: PendingScan | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.frames = 0
        self.timings: collections.deque[Timing] = collections.deque(maxlen=1000)
        self.watchdog = Watchdog()
        self.disk = FreeSpaceMonitor(journal.path.parent, warn_free_mb=cfg.disk.warn_free_mb,
                                     critical_free_mb=cfg.disk.critical_free_mb,
                                     on_change=lambda status: events.publish("disk", status))
        # The checkpoint's only way to the journal: a full disk holds entries, it never stops the gate.
        self.journal = HoldingJournal(journal, held_max=cfg.disk.held_max, on_change=self.disk.update)
        self.handheld = HandheldReadings()
        # For the screen's camera preview: references only; the web encodes while someone watches.
        self.latest_frame: object | None = None
        self.last_codes: tuple[float, list[Code]] = (0.0, [])
        self._reader_codes: queue.SimpleQueue[ReaderCode] = queue.SimpleQueue()

    def start(self) -> None:
        self.devices.thermometer.start(self.temps.add)
        for reader in self.devices.readers:
            reader.start(self._reader_codes.put)
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
                self._watch_disk()
            except Exception:   # one bad frame or bug must not stop the gate
                log.exception("checkpoint step failed")
                time.sleep(0.1)
                continue
            self.watchdog.alive()   # only a loop that completes its steps proves the kiosk alive

    def _watch_disk(self) -> None:
        if self.disk.due():
            self.journal.flush()    # room may have come back
            self.disk.update(len(self.journal.held), self.journal.dropped)

    def step(self) -> None:
        # Readers deliver between frames; a code waits at most one frame period here.
        self._take_reader_codes()
        got = self.devices.camera.read(timeout=0.2)
        now = time.monotonic()
        if got is not None:
            _, frame = got
            self.frames += 1
            self.latest_frame = frame
            codes = self.devices.decoder.decode(frame)
            if codes:
                self.last_codes = (now, codes)
            scan = self.debouncer.feed(codes, now, frame.shape)
            if scan is not None:
                self._begin(scan, now, "camera")
        self._take_reader_codes()
        if self._pending is not None:
            self._settle(self._pending, time.monotonic())

    def _take_reader_codes(self) -> None:
        """Codes from the [[reader]]s, through the same debounce as the camera's: a phone
        shown to the camera and the scanner at once is one scan."""
        while True:
            try:
                read = self._reader_codes.get_nowait()
            except queue.Empty:
                return
            now = time.monotonic()
            scan = self.debouncer.feed([Code(read.code_type, read.text)], now, (1, 1))
            if scan is not None:
                self._begin(scan, now, read.source, read.t, read.holder)

    def _begin(self, scan: Code, now: float, source: str, t: float | None = None, holder: str | None = None) -> None:
        if self._pending is not None:
            # The next person is already here: settle the previous one with what we have.
            self._settle(self._pending, now, force=True)
        self._pending = PendingScan(scan, t or now, source, holder)
        self.events.publish("scan", {"type": scan.type, "source": source})
        if self.gatekeeper.screening().needs_temperature:
            self.events.publish("prompt", {"prompt": "measure"})

    def _settle(self, pending: PendingScan, now: float, force: bool = False) -> None:
        window = self.cfg.policy.pairing_window_s
        screening = self.gatekeeper.screening()
        # The office may change the skin-to-body offset at any time; a float set is atomic.
        self.temps.offset_c = screening.offset_c
        handheld = self.handheld.take(pending.t) if pending.first is None else None
        if handheld is not None:
            temp, sensor = handheld.result(), HANDHELD_SENSOR
        else:
            # Screening off: decide at once with whatever reading is already there.
            temp = self.temps.for_scan(pending.t, now, window, final=force or not screening.needs_temperature,
                                       after=pending.first.settled_t if pending.first else None)
            sensor = self.cfg.thermometer.protocol
        if temp.status == "pending":
            return
        self._pending = None
        ready_t = max(pending.t, temp.settled_t or pending.t) if not force else now
        if pending.first is not None and temp.status == "none":
            temp = pending.first        # they stepped away: the first reading stands
        wall = datetime.now(timezone.utc)
        j = self.gatekeeper.judge(pending.code.text, pending.code.type, temp, wall,
                                  remeasured=pending.first is not None,
                                  rules=policy_rules(screening, self.cfg.policy))
        if isinstance(j.decision, Remeasure):
            self._pending = PendingScan(pending.code, now, pending.source, pending.holder, first=temp)
            self.events.publish("remeasure", {"reasons": list(j.decision.reasons), "value_c": temp.value_c})
            self.events.publish("prompt", {"prompt": "remeasure"})
            return
        fields = entry_fields(j, temp, self.cfg.kiosk.direction, sensor, screening.mode)
        if pending.source != "camera":
            fields["credential"] = {**fields["credential"], "reader": pending.source}
        if pending.holder and "name_masked" not in fields["credential"]:
            fields["credential"] = {**fields["credential"], "name_masked": pending.holder}
        if handheld is not None:
            fields["operator"] = {"name": handheld.operator, "reason": "handheld temperature"}
        entry = self.journal.append(fields)
        self.gatekeeper.passed(entry, wall)
        if j.decision.decision == "admit":
            self.devices.relay.pulse(self.cfg.relay.pulse_ms)
        self.events.publish("decision", entry)
        if j.decision.alert:
            self.events.publish("alert", {"seq": entry["seq"], "reasons": entry["reasons"]})
        self.timings.append(Timing(pending.t, ready_t, time.monotonic(), pending.source))
        self.on_journaled()
        log.info("seq %s: %s %s", entry["seq"], entry["decision"], ",".join(entry["reasons"]) or "-")


def entry_fields(j, temp: TemperatureResult, direction: str, sensor: str, screening: str) -> dict:
    a = j.assessment
    return {
        "direction": direction,
        "screening": screening,
        "credential": a.record,
        "temperature": temp.as_record(sensor),
        "decision": j.decision.decision,
        "reasons": list(j.decision.reasons),
        "alert": j.decision.alert,
        "operator": None,
        "visitor": a.visitor_record(),
        "ref": None,
    }
