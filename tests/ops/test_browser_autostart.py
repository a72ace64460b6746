"""config/systemd/kiosk-browser.sh with the real Chromium against the real kiosk process.

The launcher starts Chromium with its own kiosk-mode command line. Here a ``chromium``
ahead of Debian's on PATH adds only what a machine without a display needs (headless,
no sandbox as root, a debugging port to look through, and the usual profile folder,
which headless mode would otherwise replace by a throwaway one) and notes what the
launcher left in the profile, then runs the real browser with everything the launcher passed.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from sync.mosquitto import free_port
from tests.kiosk.web.kiosk_process import KioskProcess
from tests.ops.test_install_files import UNITS
from tests.waiting import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"

WRAPPER = """#!/bin/sh
# Which launch this is, and the profile as the launcher left it just before the start.
n=$(ls {notes} | grep -c '^launch-')
cp "$HOME/.config/chromium/Default/Preferences" {notes}/prefs-$n 2>/dev/null || true
echo "$$ $*" > {notes}/launch-$n
exec {chromium} --headless=new --no-sandbox --disable-gpu --disable-background-networking \\
    --disable-component-update --disable-sync --remote-debugging-port={port} \\
    --user-data-dir="$HOME/.config/chromium" "$@"
"""


@pytest.fixture
def kiosk(tmp_path):
    (tmp_path / "kiosk").mkdir()
    k = KioskProcess(tmp_path / "kiosk")
    k.start()
    yield k
    k.stop()


def test_launcher_shows_the_touchscreen_full_screen_and_brings_chromium_back(tmp_path, kiosk):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (scripts/setup.sh dev installs it)")
    from playwright.sync_api import sync_playwright

    home, notes, bin_dir = tmp_path / "home", tmp_path / "notes", tmp_path / "bin"
    for d in (home, notes, bin_dir):
        d.mkdir()
    port = free_port()
    (bin_dir / "chromium").write_text(WRAPPER.format(notes=notes, chromium=CHROMIUM, port=port))
    (bin_dir / "chromium").chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(home), "KIOSK_URL": kiosk.url + "/",
           "XDG_RUNTIME_DIR": str(tmp_path)}
    launcher = subprocess.Popen(["sh", str(UNITS / "kiosk-browser.sh")], env=env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    prefs = home / ".config/chromium/Default/Preferences"
    try:
        with sync_playwright() as pw:
            def screen():
                try:
                    browser = pw.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
                except Exception:  # noqa: BLE001 - not listening yet
                    return None
                pages = [p for c in browser.contexts for p in c.pages if p.url.startswith(kiosk.url)]
                return (browser, pages[0]) if pages else None

            browser, page = wait_until(screen, 30, "Chromium showing the kiosk's page")
            args = (notes / "launch-0").read_text().split()
            assert "--kiosk" in args and f"--app={kiosk.url}/" in args
            assert "--autoplay-policy=no-user-gesture-required" in args
            page.wait_for_selector('body[data-connected="1"]', timeout=30000)

            # A person arrives: the verdict shows and its tone plays, nobody touching the screen.
            seq = kiosk.next_seq()
            kiosk.arrive(code="RES-1")
            page.wait_for_selector(f'[data-testid="verdict"][data-seq="{seq}"]', timeout=60000)
            assert page.evaluate("document.body.dataset.sound") == "admit"
            assert page.evaluate("audio && audio.state") == "running"
            # ... and its phrase is spoken through the page's <audio> element (play() is refused
            # without the autoplay flag until someone touches the screen).
            # Polled from here: the page's Content-Security-Policy refuses the eval that
            # wait_for_function polls with.
            wait_until(lambda: page.evaluate("kioskVoice.log.some(i => i.name === 'admit' && i.started !== null)"),
                       15, "the admit phrase played")

            # Chromium crashes (after it has marked its profile as running) ...
            wait_until(lambda: prefs.exists() and '"exit_type":"Crashed"' in prefs.read_text(), 30,
                     "Chromium to mark its profile in use")
            first_pid = int((notes / "launch-0").read_text().split()[0])
            browser.close()
            os.kill(first_pid, signal.SIGKILL)
            # ... and comes back by itself, on the same page, with no "restore pages?" bar.
            browser, page = wait_until(screen, 40, "Chromium to be started again")
            assert (notes / "launch-1").exists()
            restarted_with = (notes / "prefs-1").read_text()
            assert '"exit_type":"Normal"' in restarted_with and '"exit_type":"Crashed"' not in restarted_with
            page.wait_for_selector('body[data-connected="1"]', timeout=30000)
            browser.close()
    finally:
        os.killpg(launcher.pid, signal.SIGKILL)
        launcher.wait(10)
        for line in (p.read_text() for p in notes.glob("launch-*")):
            try:
                os.kill(int(line.split()[0]), signal.SIGKILL)
            except ProcessLookupError:
                pass
