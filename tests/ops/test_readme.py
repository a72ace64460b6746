"""The README as a new user reads it: its pictures exist, its benchmark table is the
latest one, and the commands of its install guide are the programs' real options."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text()


def test_every_picture_exists_and_both_screens_are_shown():
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert images and all((REPO / p).is_file() for p in images), images
    assert any("touchscreen" in p for p in images) and any("console" in p for p in images)


def test_benchmark_table_is_the_latest_results():
    start, end = README.index("<!-- bench:start -->"), README.index("<!-- bench:end -->")
    quoted = README[start + len("<!-- bench:start -->"):end].strip()
    results = (REPO / "bench/RESULTS.md").read_text().removeprefix("# Benchmark results").strip()
    assert quoted == results
    ran = re.findall(r"^### (\S+\.py)$", results, re.M)
    assert ran == sorted(p.name for p in (REPO / "bench").glob("*.py") if p.name != "run_all.py")


def test_files_the_install_guide_copies_exist():
    guide = README[README.index("## Raspberry Pi install guide"):README.index("## Troubleshooting")]
    named = set(re.findall(r"\b(config/[\w./-]+\.(?:service|desktop|sh|rules|toml))", guide))
    assert {"config/systemd/kiosk.service", "config/udev/99-thermometer.rules",
            "config/systemd/kiosk-browser.desktop", "config/systemd/community-server.service"} <= named
    assert all((REPO / p).is_file() for p in named), named


def help_text(*argv: str) -> str:
    command = ["bash", *argv] if argv[0].endswith(".sh") else [sys.executable, "-m", *argv]
    return subprocess.run([*command, "--help"], capture_output=True, text=True, cwd=REPO, timeout=60).stdout


@pytest.mark.parametrize("words, module", [
    ("kiosk doctor", ["kiosk.cli", "doctor"]),
    ("kiosk run", ["kiosk.cli", "run"]),
    ("community-server broker-config", ["sync.server.cli", "broker-config"]),
    ("community-server add-user", ["sync.server.cli", "add-user"]),
    ("scripts/install.sh kiosk", ["scripts/install.sh"]),
    ("scripts/install.sh server", ["scripts/install.sh"]),
    ("scripts/install.sh uninstall", ["scripts/install.sh"]),
])
def test_options_the_readme_uses_are_real(words, module):
    uses = [line for line in README.replace("\\\n", " ").splitlines() if words in line]
    assert uses, words
    options = {o for line in uses for o in re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", line.split(words, 1)[1])}
    known = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", help_text(*module)))
    assert known and options <= known, (words, options - known)


def test_installer_modes_and_options_are_the_ones_it_takes(tmp_path):
    """What the installer's help lists, its parser accepts, and an unknown option is refused."""
    text = help_text("scripts/install.sh")
    for mode in ("kiosk", "server", "doctor", "uninstall"):
        assert f"\n  {mode} " in text, mode
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (root / "etc/group").write_text("root:x:0:\n")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", "scripts/install.sh", "uninstall", "--root", str(root), "--dry-run", *args],
                              capture_output=True, text=True, cwd=REPO, timeout=60)

    flags = {"--dry-run", "--purge", "--skip-packages"}
    values = {"--root": str(root), "--desktop": "labwc"}
    for option in sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", text))):
        proc = run(option) if option in flags else run(option, values.get(option, "x"))
        assert proc.returncode == 0 and "unknown option" not in proc.stderr, (option, proc.stderr)
    proc = run("--no-such-option")
    assert proc.returncode == 2 and "unknown option --no-such-option" in proc.stderr
