"""Builds a running kiosk from its config: devices, journal, checkpoint, sync, web UI.

One object owns the lifecycle, so `kiosk run`, `kiosk demo` and tests start and stop
the same thing.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone
from functools import partial

from drivers.factories import build_devices
from kiosk import __version__, clock
from kiosk.checkpoint import Checkpoint
from kiosk.config import KioskConfig
from kiosk.events import EventBus
from kiosk.journal import Journal
from kiosk.gatekeeper import Gatekeeper
from kiosk.registry import RegistryStore
from kiosk.speech import Speech
from sync.entry import utc_now_iso

log = logging.getLogger(__name__)


class KioskRuntime:
    def __init__(self, cfg: KioskConfig) -> None:
        self.cfg = cfg
        if cfg.sim.clock_synced:
            clock.trust_host_clock()
        self.stopping = threading.Event()
        self.events = EventBus()
        cfg.kiosk.state_dir.mkdir(parents=True, exist_ok=True)
        self.journal = Journal(cfg.journal_path, site=cfg.kiosk.site, gate=cfg.kiosk.gate)
        self.registry = RegistryStore(cfg.kiosk.state_dir, cfg.registry.file)
        self.gatekeeper = Gatekeeper(cfg, self.registry, journal=self.journal)
        self.devices = build_devices(cfg)
        self.outbox = None
        if cfg.mqtt.enabled:
            from sync.downlink import Downlink
            from sync.outbox import Outbox

            # Without trusted keys no registry can verify, so none is subscribed to.
            downlink = (Downlink(site=cfg.kiosk.site, trusted_keys=cfg.mqtt.registry_keys, sink=self.registry)
                        if cfg.mqtt.registry_keys else None)
            self.outbox = Outbox(cfg.mqtt, site=cfg.kiosk.site, gate=cfg.kiosk.gate,
                                 open_journal=partial(Journal, cfg.journal_path, site=cfg.kiosk.site,
                                                      gate=cfg.kiosk.gate),
                                 status_source=self._sync_status, software_version=__version__,
                                 downlink=downlink)
        self.checkpoint = Checkpoint(cfg, self.devices, self.journal, self.gatekeeper, self.events,
                                     on_journaled=self.outbox.wake if self.outbox else None)
        self.speech = Speech.from_config(cfg)
        self._server = None
        self.ui_url: str | None = None

    def start(self) -> None:
        if self.outbox:
            self.outbox.start()
        self.checkpoint.start()
        self.speech.start()
        self._housekeeper = threading.Thread(target=self._housekeeping, name="housekeeping", daemon=True)
        self._housekeeper.start()
        self._start_web()
        log.info("kiosk %s/%s running, touchscreen at %s", self.cfg.kiosk.site, self.cfg.kiosk.gate, self.ui_url)

    def _start_web(self) -> None:
        from kiosk.web import create_app
        from sync.httpserver import BackgroundServer

        app = create_app(self)
        # Each open screen holds one thread for its event stream; leave room for requests.
        self._server = BackgroundServer(app, name="web", host=self.cfg.ui.host, port=self.cfg.ui.port, threads=12,
                                        channel_timeout=30)
        self.ui_url = f"http://{self.cfg.ui.host}:{self._server.port}/"
        self._server.start()

    def _housekeeping(self, every_s: float = 3600.0) -> None:
        while not self.stopping.is_set():
            self.purge()
            self.stopping.wait(every_s)

    def purge(self) -> int:
        """Drop entries past retention that the server holds, and expired visitor answers."""
        keep = timedelta(days=self.cfg.kiosk.retention_days)
        try:
            n = self.journal.purge(keep)
            self.gatekeeper.book.purge(datetime.now(timezone.utc) - keep)
        except Exception:   # housekeeping must never take the gate down
            log.exception("purge failed")
            return 0
        if n:
            log.info("purged %d acknowledged entries older than %d days", n, self.cfg.kiosk.retention_days)
        return n

    def stop(self) -> None:
        self.stopping.set()
        if getattr(self, "_housekeeper", None):
            self._housekeeper.join(timeout=5)
        self.checkpoint.stop()
        if self.outbox:
            self.outbox.stop()
        if self._server:
            self._server.stop()
        self.devices.stop()
        self.gatekeeper.close()
        self.journal.close()

    def _sync_status(self) -> dict:
        """What the kiosk's retained status topic reports beside the sync's own figures."""
        return {**self._device_states(),
                "registry_version": self.registry.current.version,
                "screening": self.gatekeeper.screening().mode,
                "disk": self.checkpoint.disk.status(),
                # A synchronised status is also an anchor the server can place earlier,
                # unsynchronised entries of this boot by (sync/clockfix.py).
                "ts": utc_now_iso(), **clock.stamp()}

    def _device_states(self) -> dict:
        """Each device's state, for the touchscreen and for the office's gates page alike."""
        d = self.devices
        return {"devices": {"camera": d.camera.state.value, "thermometer": d.thermometer.state.value,
                            "relay": d.relay.state.value},
                "readers": {r.name: r.state.value for r in d.readers},
                # Devices that could not be built, by config key, with the reason.
                "absent": dict(d.absent)}

    def status(self) -> dict:
        return {
            "version": __version__,
            "site": self.cfg.kiosk.site,
            "gate": self.cfg.kiosk.gate,
            "direction": self.cfg.kiosk.direction,
            **self._device_states(),
            "sync": self.outbox.state if self.outbox else "disabled",
            "backlog": self.journal.backlog(),
            "registry_version": self.registry.current.version,
            "registry_age_s": self.registry.current.age_s(),
            "screening": self.gatekeeper.screening().mode,
            "last_seq": self.journal.last_seq(),
            "disk": self.checkpoint.disk.status(),
            "clock_synced": clock.synced(),
        }
