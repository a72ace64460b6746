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


def _scenario_code(comment: str) -> str:
    text = (REPO / "config" / "demo" / "scenario.toml").read_text("utf-8")
    return re.search(rf"^# {re.escape(comment)}\n\[\[person\]\]\ncode = \"([^\"]+)\"", text, re.M).group(1)


def test_a_quarantine_set_in_the_demo_console_reaches_the_demo_kiosk(tmp_path):
    """What a new user tries first: put a household under quarantine in the console and
    watch the kiosk say so, while what the bundled registry revoked stays revoked."""
    import datetime
    import queue
    import threading

    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "demo", "--seconds", "30", "--workdir",
                             str(tmp_path)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(ln) for ln in proc.stdout], daemon=True)
    reader.start()
    seen: list[str] = []

    def wait_for(pattern: str, timeout: float) -> str:
        deadline = datetime.datetime.now() + datetime.timedelta(seconds=timeout)
        while datetime.datetime.now() < deadline:
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                continue
            seen.append(line)
            if re.search(pattern, line):
                return line
        raise AssertionError(f"no line matching {pattern!r} in:\n{''.join(seen)}")

    try:
        server = wait_for(r"community server:", 30).split(":", 1)[1].split()[0]
        name, password = wait_for(r"console login:", 5).split(":", 1)[1].strip().split(" / ")
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

        def csrf(path: str) -> str:
            page = browser.open(server + path, timeout=5).read().decode()
            return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

        form = {"name": name, "password": password, "csrf_token": csrf("console/login")}
        browser.open(server + "console/login", data=urllib.parse.urlencode(form).encode(), timeout=5)
        households = browser.open(server + "console/households", timeout=5).read().decode()
        assert "3-2-501" in households, "the bundled residents list is not in the console"
        today = datetime.date.today().isoformat()
        form = {"household": "3-2-501", "from": today, "to": today, "csrf_token": csrf("console/quarantine")}
        listed = browser.open(server + "console/quarantine", data=urllib.parse.urlencode(form).encode(),
                              timeout=5).read().decode()
        assert 'data-household="3-2-501"' in listed and "已下发" in listed

        inbox = tmp_path / "inbox"
        (inbox / "resident.toml.part").write_text(f'code = "{_scenario_code("resident pass")}"\n'
                                                  "temperature_c = 36.6\n")
        (inbox / "resident.toml.part").rename(inbox / "resident.toml")
        wait_for(r"3-2-501\s.*quarantine_return", 10)
        (inbox / "revoked.toml.part").write_text(f'code = "{_scenario_code("revoked pass")}"\n'
                                                 "temperature_c = 36.6\n")
        (inbox / "revoked.toml.part").rename(inbox / "revoked.toml")
        wait_for(r"3-2-506\s.*revoked", 10)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(5)
        proc.stdout.close()
