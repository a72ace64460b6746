"""The real kiosk as a separate process on simulated drivers, for the browser tests:
``python -m kiosk.cli run`` with a generated config, people arriving through the
simulator's inbox, the journal read straight from its SQLite file."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
import urllib.request
from pathlib import Path

from werkzeug.security import generate_password_hash

from sync.mosquitto import free_port
from tests.kiosk_toml import kiosk_toml
from tests.places import REPO
from tests.waiting import wait_until

PIN = "246810"
SURNAMES = "张王李赵刘陈杨黄周吴"
REGISTRY = {"version": 7, "known_codes": {
    f"RES-{i}": {"household": f"3-2-{500 + i}", "role": "resident", "name": SURNAMES[(i - 1) % 10] + "伟"}
    for i in range(1, 30)}}


class KioskProcess:
    def __init__(self, workdir: Path, **sections: dict | None) -> None:
        """``sections`` change the kiosk.toml: a section's keys are merged
        (``thermometer={"type": "serial", ...}``), None drops it (``registry=None``: no seed
        registry, the server's pushed one is all it has)."""
        self.workdir = workdir
        self.inbox = workdir / "inbox"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = workdir / "kiosk.toml"
        self.log = workdir / "kiosk.log"
        self.proc: subprocess.Popen | None = None
        self._n = 0
        self._clear_at = 0.0        # when the last person has walked off
        # Made an hour ago, so the status bar has an age to show.
        issued = datetime.now(timezone.utc) - timedelta(hours=1, minutes=5)
        (workdir / "registry.json").write_text(json.dumps({**REGISTRY, "issued_at": issued.isoformat()}))
        (workdir / "scenario.toml").write_text("[defaults]\ngap_s = 1.0\n")
        # Quiet hours well away from now (local time, as the screen reads them): the tests
        # hear the tones and the phrases, and one test moves a browser's clock into the quiet hours.
        now = datetime.now().astimezone()
        self.quiet_from, quiet_to = now + timedelta(hours=6), now + timedelta(hours=8)
        # pbkdf2 with few rounds: the test measures the screen, not the hash's cost.
        pin_hash = generate_password_hash(PIN, method="pbkdf2:sha256:1000")
        quiet = f"{self.quiet_from:%H:%M}-{quiet_to:%H:%M}"
        toml = {"kiosk": {"state_dir": "state"}, "policy": {"pairing_window_s": 1.5},
                "ui": {"port": self.port, "pin_hash": pin_hash, "quiet_hours": quiet},
                "speech": {"quiet_hours": quiet},
                "mqtt": {"enabled": False}, "registry": {"file": "registry.json"},
                "sim": {"scenario": "scenario.toml", "inbox": "inbox", "clock_synced": True}}
        for name, values in sections.items():
            if values is None:
                toml.pop(name, None)
            else:
                toml.setdefault(name, {}).update(values)
        self.config.write_text(kiosk_toml(**toml))

    @property
    def journal_path(self) -> Path:
        return self.workdir / "state" / "journal.sqlite3"

    def start(self, timeout: float = 60.0) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "run", "--config", str(self.config)],
                                         cwd=REPO, stdout=log, stderr=subprocess.STDOUT)

        def answers() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"kiosk exited with {self.proc.returncode}: {self.log.read_text()[-2000:]}")
            try:
                self.status()
            except OSError:
                return False
            return True

        wait_until(answers, timeout, lambda: "the kiosk's screen to answer; its log ends "
                   + self.log.read_text()[-2000:], interval=0.2)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def status(self) -> dict:
        with urllib.request.urlopen(self.url + "/api/status", timeout=10) as r:
            return json.loads(r.read())

    def next_seq(self) -> int:
        return self.status()["last_seq"] + 1

    def arrive(self, *, code: str | None = None, image: Path | None = None, temperature_c: float | str = 36.6,
               show_s: float = 2.0) -> None:
        """Someone walks up, holding a code (or an image of one) to the camera: as soon as
        the one before has walked off and the thermometer has seen the empty gate again."""
        time.sleep(max(0.0, self._clear_at - time.monotonic()))
        self._clear_at = time.monotonic() + show_s + 0.8
        self._n += 1
        what = f'code = "{code}"' if code else f'image = "{image}"'
        temp = f'"{temperature_c}"' if isinstance(temperature_c, str) else temperature_c
        tmp = self.inbox / f"p{self._n}.part"
        tmp.write_text(f"{what}\ntemperature_c = {temp}\nshow_s = {show_s}\n")
        tmp.rename(tmp.with_suffix(".toml"))

    def entries(self) -> list[dict]:
        db = sqlite3.connect(f"file:{self.journal_path}?mode=ro", uri=True)
        try:
            return [json.loads(r[0]) for r in db.execute("SELECT body FROM entries ORDER BY seq")]
        finally:
            db.close()
