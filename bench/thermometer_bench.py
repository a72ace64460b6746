"""The thermometer path against what the gate needs, on the pty simulator:

- parser cost per frame for each protocol, clean and with garbage, set against the
  fastest a frame can arrive on the wire (9600 baud, 8N1: 960 bytes a second) — the
  baseline measured in the same run is the clean stream's own cost;
- how soon a pulled cable shows as absent, and how soon readings flow again once it is
  back (the driver reopens by the stable path with back-off); what a loose contact
  costs in opens and log lines;
- how long after a person steps up a stable body temperature is settled, against the
  floor set by the sample rate (``stable_samples`` samples at the module's rate: the
  first at once, then one per period).

Prints a markdown table. Usage: python bench/thermometer_bench.py [--cycles N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drivers.sim.thermometer import PtyThermometerSim  # noqa: E402
from drivers.state import DeviceState  # noqa: E402
from drivers.thermometer import SerialThermometer  # noqa: E402
from drivers.thermometer.protocols import ascii_line, gy_mcu90614 as gy, modbus_rtu as mb  # noqa: E402
from kiosk.temperature import TemperatureTracker  # noqa: E402

WIRE_BYTES_PER_S = 960          # 9600 baud, 10 bits a byte


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _streams(n: int, rng: random.Random):
    temps = [(round(rng.uniform(30, 40), 2), round(rng.uniform(20, 30), 2)) for _ in range(n)]
    return {
        "gy-mcu90614": (gy.GYParser, [gy.encode(o, a) for o, a in temps]),
        "modbus-rtu": (lambda: mb.ModbusRTU().parser(),
                       [mb.encode_response(1, 3, [round(o * 10), 0, round(a * 10)]) for o, a in temps]),
        "ascii": (lambda: ascii_line.AsciiLine().parser(),
                  [ascii_line.encode(o, a, "TO:{object:.2f} TA:{ambient:.2f}") for o, a in temps]),
    }


def parser_rows(n: int) -> list[str]:
    rng = random.Random(7)
    rows = []
    for name, (make, frames) in _streams(n, rng).items():
        clean = b"".join(frames)
        dirty = b"".join(bytes(rng.randrange(256) for _ in range(rng.randint(0, 6))) + f for f in frames)
        cost = {}
        for label, data in (("clean", clean), ("garbage", dirty)):
            p = make()
            t0 = time.perf_counter()
            for i in range(0, len(data), 64):           # the transport hands over small chunks
                p.feed(data[i:i + 64], 0.0)
            cost[label] = (time.perf_counter() - t0) / n
        wire = len(frames[0]) / WIRE_BYTES_PER_S
        rows.append(f"| {name}: parse one frame, clean / with garbage | {cost['clean'] * 1e6:.1f} us / "
                    f"{cost['garbage'] * 1e6:.1f} us (x{cost['garbage'] / cost['clean']:.2f}) | "
                    f"wire time of a frame {wire * 1e3:.1f} ms: {wire / cost['garbage']:.0f}x headroom |")
    return rows


def unplug_rows(cycles: int) -> list[str]:
    tmp = tempfile.TemporaryDirectory(prefix="thermo-bench-")
    sim = PtyThermometerSim(protocol="gy-mcu90614", rate_hz=14, link_path=Path(tmp.name) / "usb-thermo", seed=1)
    sim.hold(36.6)
    sim.start()
    got = threading.Event()
    driver = SerialThermometer(sim.port, "gy-mcu90614")       # the default back-off, as shipped
    driver.start(lambda r: got.set())
    absent, back, lost = [], [], 0
    try:
        got.wait(5)
        for i in range(cycles):
            out_s = 0.5 + (i % 4) * 0.5                       # cable out for 0.5 .. 2.0 s
            sim.unplug()
            t0 = time.monotonic()
            while driver.state != DeviceState.ABSENT and time.monotonic() - t0 < 5:
                time.sleep(0.005)
            absent.append(time.monotonic() - t0)
            time.sleep(max(0.0, out_s - (time.monotonic() - t0)))
            got.clear()
            sim.replug()
            t1 = time.monotonic()
            if got.wait(15):
                back.append(time.monotonic() - t1)
            else:
                lost += 1
    finally:
        driver.stop()
        sim.stop()
        tmp.cleanup()
    return [
        f"| cable pulled -> shown absent (n={cycles}) | median {statistics.median(absent) * 1e3:.0f} ms, "
        f"p95 {pct(absent, 0.95) * 1e3:.0f} ms | |",
        f"| cable back -> readings again (out 0.5-2 s) | median {statistics.median(back):.2f} s, "
        f"p95 {pct(back, 0.95):.2f} s, never back: {lost} | back-off 0.2 s doubling to 2 s |",
    ]


def loose_cable_rows(seconds: float = 3.0) -> list[str]:
    """A contact that makes and breaks every 40 ms: how often the port is opened and the
    log written meanwhile, and how soon readings flow once it holds."""
    import logging

    tmp = tempfile.TemporaryDirectory(prefix="thermo-bench-")
    sim = PtyThermometerSim(protocol="gy-mcu90614", rate_hz=14, link_path=Path(tmp.name) / "usb-thermo", seed=3)
    sim.hold(36.6)
    sim.start()
    lines: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(record)

    handler = Collect(logging.INFO)
    logger = logging.getLogger("drivers.thermometer.serial_port")
    logger.addHandler(handler)
    logger.propagate = False
    got = threading.Event()
    driver = SerialThermometer(sim.port, "gy-mcu90614")
    driver.start(lambda r: got.set())
    try:
        got.wait(5)
        flaps, end = 0, time.monotonic() + seconds
        while time.monotonic() < end:
            sim.unplug()
            time.sleep(0.02)
            sim.replug()
            time.sleep(0.02)
            flaps += 1
        opens, logged = driver.stats()["opens"], len(lines)
        got.clear()
        t0 = time.monotonic()
        back = time.monotonic() - t0 if got.wait(15) else float("nan")
    finally:
        driver.stop()
        sim.stop()
        tmp.cleanup()
        logger.removeHandler(handler)
        logger.propagate = True
    return [f"| loose cable, {seconds:.0f} s of contact making and breaking ({flaps} contacts) | "
            f"{opens} opens, {logged} log lines; readings {back:.2f} s after it holds | one log line per spell |"]


def settle_rows(people: int) -> list[str]:
    rate, samples = 14.0, 5
    floor = (samples - 1) / rate        # the first sample the moment they step up, then samples-1 periods
    rows = []
    for proto in ("gy-mcu90614", "modbus-rtu", "ascii"):
        tmp = tempfile.TemporaryDirectory(prefix="thermo-bench-")
        sim = PtyThermometerSim(protocol=proto, rate_hz=rate, link_path=Path(tmp.name) / "t", seed=2)
        sim.start()
        tracker = TemperatureTracker(samples=samples, spread_c=0.3)
        driver = SerialThermometer(sim.port, proto, poll_hz=rate)
        driver.start(tracker.add)
        waits, off = [], 0
        try:
            time.sleep(0.5)
            for i in range(people):
                body = 36.0 + (i % 10) * 0.25
                sim.hold(body)
                t0 = time.monotonic()
                while True:
                    r = tracker.for_scan(t0, time.monotonic(), 4.0)
                    if r.status != "pending":
                        break
                    time.sleep(0.005)
                waits.append(time.monotonic() - t0)
                # The sensor's own scatter is +-0.05: anything further is a wrong value, or none.
                off += r.status != "ok" or abs(r.value_c - body) > 0.1
                sim.hold(None)
                time.sleep(0.4)
        finally:
            driver.stop()
            sim.stop()
            tmp.cleanup()
        rows.append(f"| {proto}: step up -> stable body temperature (n={people}, not within 0.1: {off}) | median "
                    f"{statistics.median(waits) * 1e3:.0f} ms, p95 {pct(waits, 0.95) * 1e3:.0f} ms | "
                    f"floor {floor * 1e3:.0f} ms ({samples} samples at {rate:.0f} Hz): "
                    f"x{statistics.median(waits) / floor:.2f} |")
    return rows


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cycles", type=int, default=12, help="unplug/replug cycles")
    ap.add_argument("--people", type=int, default=20, help="people stepping up per protocol")
    ap.add_argument("--frames", type=int, default=20000, help="frames per parser measurement")
    args = ap.parse_args()
    print("| thermometer | measured | against |")
    print("|---|---|---|")
    for row in parser_rows(args.frames) + unplug_rows(args.cycles) + loose_cable_rows() + settle_rows(args.people):
        print(row, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
