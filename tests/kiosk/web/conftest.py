"""A kiosk runtime on simulated drivers, not started, behind the Flask test client."""

from __future__ import annotations

import re

import pytest
from werkzeug.security import generate_password_hash

from kiosk import config
from kiosk.runtime import KioskRuntime
from kiosk.web import create_app

PIN = "246810"


@pytest.fixture
def runtime(tmp_path):
    (tmp_path / "scenario.toml").write_text("[defaults]\ngap_s = 1.0\n")
    cfg = config.from_dict({
        "kiosk": {"state_dir": str(tmp_path / "state")},
        "camera": {"type": "sim"}, "thermometer": {"type": "none"}, "relay": {"type": "sim"},
        "ui": {"port": 0, "pin_hash": generate_password_hash(PIN, method="pbkdf2:sha256:1000")},
        "mqtt": {"enabled": False},
        "sim": {"scenario": str(tmp_path / "scenario.toml")},
    })
    rt = KioskRuntime(cfg)
    yield rt
    rt.stop()


@pytest.fixture
def app(runtime):
    return create_app(runtime)


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client) -> str:
    html = client.get("/").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


CHROMIUM = "/usr/bin/chromium"
# As config/systemd/kiosk-browser.sh starts it: sounds play with nobody touching the screen.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture(scope="module")
def kiosk_process(tmp_path_factory):
    """A real `kiosk run` on simulated devices (tests/kiosk/web/kiosk_process.py)."""
    from tests.kiosk.web.kiosk_process import KioskProcess

    k = KioskProcess(tmp_path_factory.mktemp("kiosk"))
    k.start()
    yield k
    k.stop()


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium, headless, through Playwright."""
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (scripts/setup.sh dev installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
