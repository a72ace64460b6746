"""Runs every benchmark in bench/ and writes bench/RESULTS.md: each script's tables, the
time it took, and the machine they ran on (CPU model, cores, RAM, Python, OS), so
figures from a Raspberry Pi and from a PC are never confused. Then it puts the same
results into docs/benchmarks.md between the bench markers.

Each script runs in its own process with a time limit; one that fails or overruns is
reported as such and the others still run.

Usage: python bench/run_all.py [--timeout S] [--only NAME ...] [--no-docs]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "RESULTS.md"
BENCHMARKS = REPO / "docs" / "benchmarks.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def scripts(only: list[str] | None = None) -> list[Path]:
    me = Path(__file__).resolve()
    found = sorted(p for p in BENCH.glob("*.py") if p.resolve() != me and not p.name.startswith("_"))
    if only:
        found = [p for p in found if p.stem in only or p.name in only]
    return found


# -- the machine --------------------------------------------------------------------------

def _read(path: str) -> str:
    try:
        return Path(path).read_text(errors="replace")
    except OSError:
        return ""


def cpu_model(cpuinfo: str, lscpu: str = "") -> str:
    """The CPU's name: x86 'model name'; on a Pi the board ('Model') and the core type."""
    fields: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() not in fields and value.strip():
            fields[key.strip()] = value.strip()
    core = fields.get("model name")
    if not core:
        m = re.search(r"^Model name:\s*(.+)$", lscpu, re.M)
        core = m.group(1).strip() if m else None
    board = fields.get("Model")
    parts = [p for p in (board, core) if p]
    return ", ".join(parts) or platform.processor() or platform.machine()


def ram_gb(meminfo: str) -> float | None:
    m = re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.M)
    return round(int(m.group(1)) / 1024 / 1024, 1) if m else None


def os_name(os_release: str) -> str:
    m = re.search(r'^PRETTY_NAME="?([^"\n]+)"?', os_release, re.M)
    return m.group(1) if m else platform.system()


def machine() -> dict[str, str]:
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        lscpu = ""
    try:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        commit = ""
    ram = ram_gb(_read("/proc/meminfo"))
    return {
        "CPU": cpu_model(_read("/proc/cpuinfo"), lscpu),
        "cores": str(os.cpu_count()),
        "RAM": f"{ram} GB" if ram else "unknown",
        "architecture": platform.machine(),
        "Python": platform.python_version(),
        "OS": f"{os_name(_read('/etc/os-release'))}, kernel {platform.release()}",
        "commit": commit or "unknown",
    }


# -- running --------------------------------------------------------------------------------

def run_one(path: Path, timeout: float) -> dict:
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, str(path)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        status = "ok" if proc.returncode == 0 else f"failed (exit {proc.returncode})"
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)     # its own session: the script and anything it started
        out, err = proc.communicate()
        status = f"stopped after the {timeout:.0f} s limit"
    return {"name": path.name, "status": status, "seconds": time.monotonic() - t0, "stdout": out, "stderr": err}


def render(results: list[dict], info: dict[str, str], when: datetime) -> str:
    lines = [f"Measured {when:%Y-%m-%d %H:%M} UTC by `make bench` (bench/run_all.py).", "",
             "| machine | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in info.items()]
    for r in results:
        lines += ["", f"### {r['name']}", "", f"*{r['status']}, {r['seconds']:.0f} s*", ""]
        # Scripts' own headings go below the script's, in docs/benchmarks.md and RESULTS.md alike.
        body = re.sub(r"^#{1,4} ", "#### ", r["stdout"].strip(), flags=re.M)
        if body:
            lines.append(body)
        if r["status"] != "ok":
            tail = "\n".join(r["stderr"].strip().splitlines()[-15:])
            lines += ["", "```", tail or "(no error output)", "```"]
    return "\n".join(lines) + "\n"


def replace_block(text: str, block: str) -> str | None:
    """``text`` with what lies between the bench markers replaced, or None without markers."""
    i, j = text.find(START), text.find(END)
    if i < 0 or j < i:
        return None
    return text[: i + len(START)] + "\n" + block.rstrip("\n") + "\n" + text[j:]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--timeout", type=float, default=900, help="limit per script, s")
    ap.add_argument("--only", nargs="*", help="run only these scripts (by name)")
    ap.add_argument("--no-docs", action="store_true", help="leave docs/benchmarks.md as it is")
    args = ap.parse_args()

    todo = scripts(args.only)
    info = machine()
    print(f"{len(todo)} benchmarks on {info['CPU']} ({info['cores']} cores, {info['RAM']})", flush=True)
    results = []
    for path in todo:
        print(f"  {path.name} ...", end=" ", flush=True)
        r = run_one(path, args.timeout)
        print(f"{r['status']} in {r['seconds']:.0f} s", flush=True)
        results.append(r)
    body = render(results, info, datetime.now(timezone.utc))
    RESULTS.write_text("# Benchmark results\n\n" + body)
    print(f"wrote {RESULTS.relative_to(REPO)}")
    if not args.no_docs and BENCHMARKS.exists():
        updated = replace_block(BENCHMARKS.read_text(), body)
        if updated is not None:
            BENCHMARKS.write_text(updated)
            print(f"updated the results in {BENCHMARKS.relative_to(REPO)}")
    return 0 if all(r["status"] == "ok" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
