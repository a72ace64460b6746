"""`kiosk demo` run in this process, as `kiosk demo --seconds` runs it: it leaves
nothing of its own open behind it."""

from __future__ import annotations

import gc
import os
import warnings

import pytest

from kiosk.demo import run_demo

pytestmark = pytest.mark.slow


def _open_paths() -> set[str]:
    paths = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            paths.add(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:     # the descriptor listdir itself used, closed by now
            pass
    return paths


def test_demo_closes_the_server_log(tmp_path):
    workdir = tmp_path / "demo"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        assert run_demo(seconds=1, workdir=workdir) == 0
        gc.collect()
    log = workdir / "server.log"
    assert "community server: API at" in log.read_text("utf-8"), "the server wrote its output to server.log"
    assert not [str(w.message) for w in caught if "server.log" in str(w.message)]
    assert str(log) not in _open_paths()
