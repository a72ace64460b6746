"""The README and the guides in docs/ as a new user reads them: their links and pictures
lead somewhere, the files and modules they name exist, the benchmark tables are the latest
ones, and the commands of the install guides are the programs' real options."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GUIDES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def read(name: str) -> str:
    return (REPO / name).read_text()


def links(text: str) -> list[str]:
    """The targets of a markdown text's links and pictures, `[words](target)`."""
    return re.findall(r"\]\(([^)\s]+)\)", text)


def anchors(markdown: Path) -> set[str]:
    """The anchors GitHub gives a file's headings: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#{1,6} (.+)$", markdown.read_text(), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_every_relative_link_and_picture_points_to_a_file():
    broken = []
    for guide in GUIDES:
        for target in links(guide.read_text()):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            file = guide.parent / path if path else guide
            if not file.exists() or (anchor and file.suffix == ".md" and anchor not in anchors(file)):
                broken.append((guide.name, target))
    assert not broken, broken


def test_the_readme_shows_the_touchscreen_and_the_console_guide_the_console():
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", read("README.md"))
    assert any("touchscreen" in p for p in pictures), pictures
    assert any("console" in p for p in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", read("docs/console.md")))


def test_every_guide_is_linked_from_the_readme():
    linked = {(REPO / target.split("#")[0]).resolve() for target in links(read("README.md"))}
    assert not [g.name for g in GUIDES[1:] if g.resolve() not in linked]


def test_files_and_modules_the_guides_name_exist():
    """A guide that names `kiosk/journal.py` or `tests/sync/test_console_*.py` points at
    something a reader can open: a renamed or moved file shows up here."""
    missing = []
    for guide in GUIDES:
        for quoted in re.findall(r"`([^`\n]+)`", guide.read_text()):
            named = re.match(r"(?:kiosk|drivers|sync|config|scripts|bench|tests|docs)/[\w./*-]*", quoted)
            if named and not list(REPO.glob(named.group(0).rstrip("/.") or ".")):
                missing.append((guide.name, quoted))
    assert not missing, missing


def test_benchmark_table_is_the_latest_results():
    text = read("docs/benchmarks.md")
    start, end = text.index("<!-- bench:start -->"), text.index("<!-- bench:end -->")
    quoted = text[start + len("<!-- bench:start -->"):end].strip()
    results = read("bench/RESULTS.md").removeprefix("# Benchmark results").strip()
    assert quoted == results
    ran = re.findall(r"^### (\S+\.py)$", results, re.M)
    assert ran == sorted(p.name for p in (REPO / "bench").glob("*.py") if p.name != "run_all.py")


@pytest.mark.parametrize("guide, copied", [
    ("docs/install-pi.md", {"config/systemd/kiosk.service", "config/udev/99-thermometer.rules",
                            "config/systemd/kiosk-browser.desktop", "config/systemd/kiosk-browser.sh"}),
    ("docs/server.md", {"config/systemd/community-server.service"}),
])
def test_files_the_install_guides_copy_exist(guide, copied):
    named = set(re.findall(r"\b(config/[\w./-]+\.(?:service|desktop|sh|rules|toml))", read(guide)))
    assert copied <= named, copied - named
    assert all((REPO / p).is_file() for p in named), named


def help_text(*argv: str) -> str:
    command = ["bash", *argv] if argv[0].endswith(".sh") else [sys.executable, "-m", *argv]
    return subprocess.run([*command, "--help"], capture_output=True, text=True, cwd=REPO, timeout=60).stdout


@pytest.mark.parametrize("guide, words, module", [
    ("docs/install-pi.md", "kiosk doctor", ["kiosk.cli", "doctor"]),
    ("docs/install-pi.md", "kiosk run", ["kiosk.cli", "run"]),
    ("docs/kiosk.md", "kiosk run", ["kiosk.cli", "run"]),
    ("docs/server.md", "community-server broker-config", ["sync.server.cli", "broker-config"]),
    ("docs/server.md", "community-server add-user", ["sync.server.cli", "add-user"]),
    ("docs/server.md", "community-server export", ["sync.server.cli", "export"]),
    ("docs/server.md", "community-server report", ["sync.server.cli", "report"]),
    ("docs/console.md", "community-server add-user", ["sync.server.cli", "add-user"]),
    ("docs/console.md", "community-server import-residents", ["sync.server.cli", "import-residents"]),
    ("docs/console.md", "community-server import-cards", ["sync.server.cli", "import-cards"]),
    ("docs/console.md", "community-server revoke-card", ["sync.server.cli", "revoke-card"]),
    ("docs/console.md", "community-server init-registry", ["sync.server.cli", "init-registry"]),
    ("docs/console.md", "community-server registry-key", ["sync.server.cli", "registry-key"]),
    ("docs/console.md", "community-server report", ["sync.server.cli", "report"]),
    ("docs/policy.md", "kiosk verify", ["kiosk.cli", "verify"]),
    ("docs/policy.md", "kiosk journal verify", ["kiosk.cli", "journal", "verify"]),
    ("docs/policy.md", "community-server issue-pass", ["sync.server.cli", "issue-pass"]),
    ("docs/devices.md", "kiosk thermometer", ["kiosk.cli", "thermometer"]),
    ("docs/devices.md", "kiosk sim-thermometer", ["kiosk.cli", "sim-thermometer"]),
    ("docs/install-pi.md", "scripts/install.sh kiosk", ["scripts/install.sh"]),
    ("docs/server.md", "scripts/install.sh server", ["scripts/install.sh"]),
    ("docs/install-pi.md", "scripts/install.sh uninstall", ["scripts/install.sh"]),
])
def test_options_the_guides_use_are_real(guide, words, module):
    uses = [line for line in read(guide).replace("\\\n", " ").splitlines() if words in line]
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
