"""Helpers that run the community server as a real process, so tests can SIGKILL it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from kiosk.journal import Journal

REPO = Path(__file__).resolve().parents[2]


def write_server_config(path: Path, broker_port: int, *, http_port: int = 0, extra: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"""
[server]
state_dir = "{path.parent / 'server-state'}"

[mqtt]
host = "127.0.0.1"
port = {broker_port}

[http]
host = "127.0.0.1"
port = {http_port}
{extra}
""")
    return path


class ServerProcess:
    """`community-server run` as a child process."""

    def __init__(self, config: Path, log: Path) -> None:
        self.config, self.log = config, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> "ServerProcess":
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "sync.server.cli", "run", "--config", str(self.config)],
                                         stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO)
        return self

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def journal_entries(n: int, journal: Journal, *, chunk: int = 500) -> None:
    for start in range(0, n, chunk):
        journal.append_many([{"direction": "in", "decision": "admit", "reasons": [],
                              "credential": {"kind": "pass", "household": f"1-{i % 7}-{i % 13}"},
                              "temperature": {"value_c": 36.5}} for i in range(start, min(n, start + chunk))])

