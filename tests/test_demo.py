"""`kiosk demo` as a new user runs it: the printed URLs answer, the printed console login
works, and every journaled entry reaches the server."""

from __future__ import annotations

import http.cookiejar
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def _line(lines: list[str], label: str) -> str:
    (line,) = [ln for ln in lines if ln.strip().startswith(label)]
    return line.split(":", 1)[1].strip()


def test_demo_prints_working_urls_and_console_login():
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "demo", "--seconds", "25"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Stops after"):
                break
        touch = _line(lines, "kiosk touchscreen").split()[0]
        server = _line(lines, "community server").split()[0]
        name, password = _line(lines, "console login").split(" / ")

        with urllib.request.urlopen(touch, timeout=5) as resp:
            assert resp.status == 200

        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        login_page = browser.open(server + "console/login", timeout=5).read().decode()
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)
        form = urllib.parse.urlencode({"name": name, "password": password, "csrf_token": csrf}).encode()
        landing = browser.open(server + "console/login", data=form, timeout=5)
        assert "/console/login" not in landing.geturl(), "the printed console login was refused"
        entries_page = browser.open(server + "console/entries", timeout=5).read().decode()
        assert name in entries_page

        rest, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, "".join(lines) + rest
    decisions = re.findall(r"^\s+#(\d+)\s+(ADMIT|DENY|REFER)", "".join(lines) + rest, re.M)
    summary = re.search(r"(\d+) entries journaled, (\d+) stored on the server", rest)
    assert summary, rest
    journaled, stored = map(int, summary.groups())
    assert journaled == len(decisions) >= 5
    assert stored == journaled
