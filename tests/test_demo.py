"""`kiosk demo` as a new user runs it: the printed URLs answer, the printed console login
works, and every journaled entry reaches the server."""

from __future__ import annotations

import datetime
import json
import queue
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

from tests.console_client import Console
from tests.waiting import wait_until

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


class Demo:
    """`kiosk demo` running, its output read line by line on a thread, so a test can wait
    for a line with a deadline and still has every line at the end (a communicate() after
    iterating stdout reads the pipe past Python's buffer and loses what it held)."""

    def __init__(self, *args: str):
        self.proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "demo", *args], cwd=REPO,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def wait_for(self, pattern: str, timeout: float) -> str:
        def matching_line() -> str | None:
            while True:
                try:
                    line = self._lines.get_nowait()
                except queue.Empty:
                    return None
                if line is None:
                    raise AssertionError(f"the demo ended with no line matching {pattern!r}:\n{''.join(self.seen)}")
                self.seen.append(line)
                if re.search(pattern, line):
                    return line

        return wait_until(matching_line, timeout, lambda: f"a line matching {pattern!r} in:\n{''.join(self.seen)}")

    def value(self, label: str, timeout: float = 120) -> str:
        """`  kiosk touchscreen:  http://…` -> `http://…`"""
        # Generous: before its banner the demo sets its server up with a handful of
        # `community-server` commands, each a process of its own, slow on a loaded machine.
        return self.wait_for(rf"^\s*{re.escape(label)}:", timeout).split(":", 1)[1].strip()

    def finish(self, timeout: float = 120) -> str:
        """Waits for the demo to exit 0; returns its whole output."""
        rc = self.proc.wait(timeout=timeout)
        self._reader.join(5)
        while not self._lines.empty():
            self.seen.append(self._lines.get_nowait() or "")
        output = "".join(self.seen)
        assert rc == 0, output
        return output

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(5)
        self.proc.stdout.close()


def test_demo_prints_working_urls_and_console_login():
    demo = Demo("--seconds", "25")
    try:
        touch = demo.value("kiosk touchscreen").split()[0]
        server = demo.value("community server").split()[0]
        name, password = demo.value("console login").split(" / ")
        demo.wait_for(r"^Stops after", 30)

        with urllib.request.urlopen(touch, timeout=15) as resp:
            assert resp.status == 200

        # A healthy demo shows nothing amber or red: its registry was just issued and its
        # clock counts as synchronised.
        def status_items():
            with urllib.request.urlopen(touch + "api/status", timeout=15) as resp:
                return json.loads(resp.read())["items"]

        wait_until(lambda: all(i["level"] in ("ok", "info") for i in status_items()), 60,
                   "every item of the demo's status bar ok")
        console = Console(server)
        console.log_in(name, password)
        assert name in console.get("console/entries").read().decode()

        output = demo.finish()
    finally:
        demo.close()
    decisions = re.findall(r"^\s+#(\d+)\s+(ADMIT|DENY|REFER)", output, re.M)
    summary = re.search(r"(\d+) entries journaled, (\d+) stored on the server", output)
    assert summary, output
    journaled, stored = map(int, summary.groups())
    assert journaled == len(decisions) >= 5, output
    assert stored == journaled


def _scenario_code(comment: str) -> str:
    text = (REPO / "config" / "demo" / "scenario.toml").read_text("utf-8")
    return re.search(rf"^# {re.escape(comment)}\n\[\[person\]\]\ncode = \"([^\"]+)\"", text, re.M).group(1)


def test_a_quarantine_set_in_the_demo_console_reaches_the_demo_kiosk(tmp_path):
    """What a new user tries first: put a household under quarantine in the console and
    watch the kiosk say so, while what the bundled registry revoked stays revoked."""
    demo = Demo("--seconds", "30", "--workdir", str(tmp_path))
    try:
        touch = demo.value("kiosk touchscreen").split()[0]
        server = demo.value("community server").split()[0]
        name, password = demo.value("console login").split(" / ")
        console = Console(server)
        console.log_in(name, password)
        households = console.get("console/households").read().decode()
        assert "3-2-501" in households, "the bundled residents list is not in the console"

        def registry_version() -> int:
            with urllib.request.urlopen(touch + "api/status", timeout=15) as resp:
                return json.load(resp)["registry_version"]

        before = registry_version()
        # A day either side: the kiosk counts days in the site's time zone, not this machine's.
        today = datetime.date.today()
        days = {"from": (today - datetime.timedelta(days=1)).isoformat(),
                "to": (today + datetime.timedelta(days=1)).isoformat()}
        listed = console.post("console/quarantine", {"household": "3-2-501", **days}).read().decode()
        assert 'data-household="3-2-501"' in listed and "已下发" in listed
        wait_until(lambda: registry_version() > before, 60, "the kiosk to receive the registry with the quarantine")
        # The scenario opens with this resident's pass: once the third person is decided,
        # the pass has been out of sight longer than the debounce and shows as a new scan.
        demo.wait_for(r"^\s+#3\s", 60)

        _walk_up(tmp_path / "inbox", "resident", _scenario_code("resident pass"))
        demo.wait_for(r"3-2-501\s.*quarantine_return", 60)
        _walk_up(tmp_path / "inbox", "revoked", _scenario_code("revoked pass"))
        demo.wait_for(r"3-2-506\s.*revoked", 60)
        demo.finish()
    finally:
        demo.close()


def _walk_up(inbox: Path, name: str, code: str) -> None:
    part = inbox / f"{name}.toml.part"
    part.write_text(f'code = "{code}"\ntemperature_c = 36.6\n')
    part.rename(inbox / f"{name}.toml")


def test_the_demo_shows_each_way_in():
    """A viewer sees a pass at the scanner, a known, a lost and an unknown access card, and an
    ID card, each named on its line: the cards the demo's server bound and revoked reach the
    kiosk. The scenario loops, so a person the loaded machine missed comes round again."""
    demo = Demo("--seconds", "400")
    try:
        for pattern in (r"ADMIT .*\sscanner\s+3-2-507\s", r"ADMIT .*\scard\s+3-2-510\s",
                        r"DENY .*\scard\s+3-2-511\s+revoked", r"REFER .*\scard\s.*unknown_card",
                        r"REFER .*\sID card\s.*id_number_unverified"):
            demo.wait_for(pattern, 180)
        demo.proc.send_signal(signal.SIGTERM)
        output = demo.finish()
    finally:
        demo.close()
    assert "demo stopped cleanly" in output
