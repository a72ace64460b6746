import importlib.util
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("run_all", REPO / "bench" / "run_all.py")
run_all = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run_all)

X86 = """processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) CPU @ 2.20GHz
processor\t: 1
model name\t: Intel(R) Xeon(R) CPU @ 2.20GHz
"""
PI4 = """processor\t: 0
BogoMIPS\t: 108.00
CPU part\t: 0xd08

Hardware\t: BCM2835
Revision\t: c03114
Model\t\t: Raspberry Pi 4 Model B Rev 1.4
"""
PI4_LSCPU = "Architecture:            aarch64\nModel name:             Cortex-A72\n"


@pytest.mark.parametrize("cpuinfo, lscpu, expected", [
    (X86, "", "Intel(R) Xeon(R) CPU @ 2.20GHz"),
    (PI4, PI4_LSCPU, "Raspberry Pi 4 Model B Rev 1.4, Cortex-A72"),
    (PI4, "", "Raspberry Pi 4 Model B Rev 1.4"),
])
def test_cpu_model(cpuinfo, lscpu, expected):
    assert run_all.cpu_model(cpuinfo, lscpu) == expected


@pytest.mark.parametrize("meminfo, gb", [("MemTotal:        3884376 kB\nMemFree: 1 kB\n", 3.7), ("", None)])
def test_ram(meminfo, gb):
    assert run_all.ram_gb(meminfo) == gb


def test_os_name():
    assert run_all.os_name('NAME="Debian"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n') == \
        "Debian GNU/Linux 12 (bookworm)"


def test_this_machine_is_described():
    info = run_all.machine()
    assert info["cores"].isdigit() and info["Python"].count(".") == 2
    assert info["CPU"] and info["RAM"].endswith("GB")


def test_every_script_but_itself():
    names = [p.name for p in run_all.scripts()]
    assert "run_all.py" not in names and "kiosk_bench.py" in names


@pytest.mark.parametrize("text, ok", [
    ("a\n<!-- bench:start -->\nold\n<!-- bench:end -->\nb\n", True),
    ("no markers here\n", False),
])
def test_replace_block(text, ok):
    got = run_all.replace_block(text, "new table\n")
    if ok:
        assert got == "a\n<!-- bench:start -->\nnew table\n<!-- bench:end -->\nb\n"
    else:
        assert got is None


def test_run_one_reports_output_failure_and_timeout(tmp_path):
    good = tmp_path / "good.py"
    good.write_text("print('## my own title')\nprint('| a | b |')\nprint('|---|---|')\nprint('| x | 1 ms |')\n")
    bad = tmp_path / "bad.py"
    bad.write_text("import sys\nprint('half', flush=True)\nsys.exit('broken: no camera')\n")
    slow = tmp_path / "slow.py"
    slow.write_text("import time\nprint('started', flush=True)\ntime.sleep(60)\n")
    results = [run_all.run_one(good, 30), run_all.run_one(bad, 30)]
    t0 = time.monotonic()
    results.append(run_all.run_one(slow, 1))
    assert time.monotonic() - t0 < 10
    assert [r["status"] for r in results] == ["ok", "failed (exit 1)", "stopped after the 1 s limit"]
    md = run_all.render(results, {"CPU": "test cpu", "cores": "2"}, datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc))
    assert "| CPU | test cpu |" in md and "| x | 1 ms |" in md
    assert "broken: no camera" in md and "started" in md
    assert "2026-01-02 03:04 UTC" in md
    assert "\n#### my own title" in md and "\n### good.py" in md
