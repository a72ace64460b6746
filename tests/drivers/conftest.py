"""Fixtures of the driver tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

FAKE_SDK = Path(__file__).resolve().parents[1] / "data" / "fake_idsdk"


@pytest.fixture
def fake_idsdk(tmp_path):
    """Build a fake ID-card SDK (``termb`` or ``sdtapi``) from C with gcc: a real shared
    library the ctypes bindings load and call."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed: the fake ID card SDK cannot be built (scripts/setup.sh dev installs it)")

    def build(family: str) -> Path:
        out = tmp_path / f"lib{family}.so"
        subprocess.run(["gcc", "-shared", "-fPIC", "-O1", "-Wall", "-Werror", "-o", str(out),
                        str(FAKE_SDK / f"{family}.c")], check=True, capture_output=True, timeout=120)
        return out
    return build
