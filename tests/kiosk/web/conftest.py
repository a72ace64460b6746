"""The touchscreen behind the Flask test client (on the root conftest's `runtime`), and for
the browser tests the real kiosk process (Debian's Chromium is the root conftest's `chromium`)."""

from __future__ import annotations

from datetime import datetime

import pytest

from kiosk.web import create_app

LARGE = {"width": 1280, "height": 800}


@pytest.fixture
def app(runtime):
    return create_app(runtime)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def kiosk_process(tmp_path_factory):
    """A real `kiosk run` on simulated devices (tests/kiosk/web/kiosk_process.py)."""
    from tests.kiosk.web.kiosk_process import KioskProcess

    k = KioskProcess(tmp_path_factory.mktemp("kiosk"))
    k.start()
    yield k
    k.stop()


@pytest.fixture(scope="module")
def kiosk(kiosk_process):
    return kiosk_process


@pytest.fixture
def open_screen(chromium, kiosk):
    """Open the screen in a fresh browser context (no session: the PIN is asked again)."""
    contexts = []

    def _open(path: str = "/", viewport: dict = LARGE, at: datetime | None = None, on=None,
              timezone_id: str | None = None):
        on = on or kiosk
        ctx = chromium.new_context(viewport=viewport, locale="zh-CN", **({"timezone_id": timezone_id} if timezone_id else {}))
        if at is not None:
            ctx.clock.set_fixed_time(at)
        contexts.append(ctx)
        page = ctx.new_page()
        errors, elsewhere = [], []
        page.on("pageerror", lambda e: errors.append(str(e)))
        # The gate may have no internet: every asset comes from the kiosk itself.
        page.on("request", lambda r: None if r.url.startswith((on.url + "/", "data:")) else elsewhere.append(r.url))
        page.js_errors, page.elsewhere = errors, elsewhere
        page.goto(on.url + path)
        if path == "/":
            page.wait_for_selector('body[data-connected="1"]')
        return page

    yield _open
    for ctx in contexts:
        for page in ctx.pages:
            assert page.js_errors == [], page.js_errors
            assert page.elsewhere == [], page.elsewhere
        ctx.close()
