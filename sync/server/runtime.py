"""Builds a running community server from its config: storage, collector, HTTP API.

One object owns the lifecycle, so `community-server run`, `kiosk demo` and the tests
start and stop the same thing.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from sync.registry_envelope import load_or_create_key
from sync.privatefile import write_private
from sync.server.collector import Collector, default_client_id
from sync.server.config import ServerConfig
from sync.server.registry_publisher import RegistryPublisher
from sync.server.storage import open_storage

log = logging.getLogger(__name__)


def session_secret(path: Path) -> bytes:
    """The key signing console sessions, kept 0600 so a restart does not log everyone out."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        secret = os.urandom(32)
        write_private(path, secret, exclusive=True)
        return secret


class ServerRuntime:
    def __init__(self, cfg: ServerConfig) -> None:
        self.cfg = cfg
        cfg.server.state_dir.mkdir(parents=True, exist_ok=True)
        self.storage = open_storage(cfg)
        self.collector = Collector(cfg.mqtt, self.storage, client_id=cfg.mqtt.client_id or default_client_id(cfg))
        self.publisher = RegistryPublisher(self.storage, self.collector.link.client,
                                           load_or_create_key(cfg.registry_key_path), cfg.registry.key_id)
        self.collector.after_connect.append(self.publisher.republish)
        from zoneinfo import ZoneInfo

        from sync.server.notify import Notifier

        self.notifier = Notifier(cfg.notify, tz=ZoneInfo(cfg.console.timezone))
        self.collector.after_store.append(self.notifier.offer)
        from sync.server.report.files import DailyReports

        self.reports = DailyReports(self.storage, cfg)
        from sync.server.overstay import OverstayWatch

        self.overstays = OverstayWatch(self.storage, cfg.console.overstay_grace_minutes,
                                       on_new=self.notifier.offer_overstay)
        self._http = None
        self._visitor_http = None
        self._purger = None
        self.http_url: str | None = None
        self.visitor_url: str | None = None

    def start(self) -> None:
        self.notifier.start()
        self.reports.start()
        self.overstays.start()
        self.collector.start()
        if self.cfg.http.enabled:
            self._start_http()
        log.info("community server running: broker %s:%d, storage %s, API %s", self.cfg.mqtt.host,
                 self.cfg.mqtt.port, self.cfg.storage.type, self.http_url or "off")

    def _start_http(self) -> None:
        from sync.httpserver import BackgroundServer
        from sync.server.api import create_app

        http = self.cfg.http
        if not http.api_token:
            log.info("no [http] api_token set: the API answers console logins only, no scripts")
        app = create_app(self.storage, api_token=http.api_token, publisher=self.publisher,
                         secret_key=session_secret(self.cfg.server.state_dir / "session-secret"))
        if self.cfg.console.enabled:
            from sync.server.console import init_console
            from sync.server.passes import load_or_create_key as load_pass_key

            pass_key = load_pass_key(self.cfg.pass_key_path, self.cfg.console.pass_key_id)
            init_console(app, self.storage, self.cfg.console, publish=self.publisher.publish, pass_key=pass_key,
                         broker_link=self.collector.link, notifier=self.notifier)
            if self.cfg.visitors.enabled:
                self._mount_visitor_page(app, pass_key, BackgroundServer)
        elif self.cfg.visitors.enabled:
            log.warning("[visitors] needs the console (its households, site and pass key): visitor page off")
        self._http = BackgroundServer(app, name="http", host=http.host, port=http.port, threads=http.threads)
        self.http_url = f"http://{http.host}:{self._http.port}/"
        self._http.start()
        if self._visitor_http is not None:
            self._visitor_http.start()
        if self.visitor_url is None and self._purger is not None:
            self.visitor_url = f"{self.http_url}v/"

    def _mount_visitor_page(self, app, pass_key, server_class):
        """The visitor page on the console's app, or on an app and listener of its own."""
        from flask import Flask

        from sync.server.visitors import init_visitor_page, make_registrar
        from sync.server.visitors.retention import Purger

        cfg, state = self.cfg, self.cfg.server.state_dir
        registrar = make_registrar(self.storage, pass_key, cfg.visitors, site=cfg.console.site,
                                   timezone_name=cfg.console.timezone, id_key=session_secret(state / "visitor-id-key"))
        app.extensions["visitor_settings"] = cfg.visitors     # the console's posters print its address
        target = app
        if cfg.visitors.listen_address is not None:
            target = Flask("visitor_page")
            host, port = cfg.visitors.listen_address
            self._visitor_http = server_class(target, name="visitor-http", host=host, port=port,
                                              threads=cfg.http.threads)
            self.visitor_url = f"http://{host}:{self._visitor_http.port}/v/"
        init_visitor_page(target, registrar, session_secret(state / "visitor-form-key"))
        self._purger = Purger(registrar.declarations, registrar.households.audit, cfg.visitors.retention_days,
                              invitations=registrar.invitations)
        self._purger.start()

    def stop(self) -> None:
        self.collector.stop()
        self.notifier.stop()
        self.reports.stop()
        self.overstays.stop()
        if self._purger:
            self._purger.stop()
        if self._visitor_http:
            self._visitor_http.stop()
        if self._http:
            self._http.stop()
        self.storage.close()
