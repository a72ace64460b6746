"""A scanner module's line to a verdict, against a camera read of the same kind of code,
in one run of the kiosk on simulated devices.

People alternate: one shows a plain registered code to the camera, the next the same
kind of code to the serial scanner module (simulated behind a pty, read by the real
serial driver). The thermometer holds a steady 36.6 °C, so the temperature is ready
at once and the figure is the code's own path: from the moment the code is presented
(the person arrives) to the journaled, published verdict. The camera's includes the
frame period and decoding; the scanner's the serial line and the checkpoint's wait for
the next frame boundary.

Prints a markdown table. Usage: python bench/reader_bench.py [--people N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk import config  # noqa: E402
from kiosk.runtime import KioskRuntime  # noqa: E402


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=40)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="reader-bench-"))
    lines = ["[defaults]", "gap_s = 0.6", "show_s = 1.0", "start_s = 1.0"]
    for i in range(args.people):
        lines += ["[[person]]", f'{"code" if i % 2 == 0 else "scanner"} = "RES-{i:04d}"']
    (tmp / "scenario.toml").write_text("\n".join(lines))
    (tmp / "registry.json").write_text('{"version":1,"known_codes":{%s}}' % ",".join(
        f'"RES-{i:04d}":{{}}' for i in range(args.people)))
    cfg = config.from_dict({
        "kiosk": {"state_dir": str(tmp / "state")},
        "camera": {"type": "sim", "fps": 15}, "thermometer": {"type": "sim"}, "relay": {"type": "sim"},
        "ui": {"port": 0}, "mqtt": {"enabled": False},
        "registry": {"file": str(tmp / "registry.json")},
        "sim": {"scenario": str(tmp / "scenario.toml")},
        "reader": [{"type": "sim", "name": "scanner"}],
    })
    rt = KioskRuntime(cfg)
    rt.devices.thermometer_sim.hold(36.6)
    world = rt.devices.sim_world
    rt.start()
    deadline = time.monotonic() + world.scenario.duration_s + 15
    while rt.journal.last_seq() < args.people and time.monotonic() < deadline:
        time.sleep(0.2)
    timings = list(rt.checkpoint.timings)
    rt.stop()

    arrivals = world.scenario.arrivals
    by_source: dict[str, list[float]] = {"camera": [], "scanner": []}
    for t in timings:
        # The person whose turn it was when the code came in.
        a = next((a for a in arrivals if a.at_s <= t.scan_t - world.t0 < a.leaves_s), None)
        if a is not None:
            by_source[t.source].append((t.decided_t - (world.t0 + a.at_s)) * 1000)
    cam, scan = by_source["camera"], by_source["scanner"]
    print("| code presented -> verdict (sim devices, camera 15 fps) | median | p95 | n |")
    print("|---|---|---|---|")
    for name, values in (("camera read", cam), ("serial scanner line", scan)):
        if values:
            print(f"| {name} | {statistics.median(values):.0f} ms | {pct(values, 0.95):.0f} ms | {len(values)} |")
    if cam and scan:
        print(f"| scanner / camera (median) | {statistics.median(scan) / statistics.median(cam):.2f}x | | |")
    print(f"| decisions | {len(timings)} of {args.people} people | | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
