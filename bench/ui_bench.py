"""The touchscreen's costs, on simulated devices, with figures:

- journaled -> on the screen's event stream: how long after an entry is durable the
  touchscreen receives it over SSE (HTTP, waitress), against the in-process event bus
  in the same run (the floor: what the checkpoint's own publish costs);
- journaled -> card painted, in Debian's Chromium at 800x480: the page's own figures,
  the journal's timestamp to the SSE event's arrival (Date.now) plus the event to the
  next animation frame (performance.now, requestAnimationFrame), against the raw SSE
  client above in the same run;
- scanning rate with nobody watching the camera preview, with one preview client, and
  with one preview client while people arrive, the camera set to 30 fps so the margin
  above the 15 fps DESIGN.md asks for shows;
- one preview frame: scale, outline and JPEG-encode a 640x480 frame.

Prints a markdown table. Usage: python bench/ui_bench.py [--people N]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk import config  # noqa: E402
from kiosk.runtime import KioskRuntime  # noqa: E402
from kiosk.web import preview  # noqa: E402


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def ts_epoch(ts: str) -> float:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()


def sse_listener(host: str, port: int, out: list, stop: threading.Event) -> None:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("GET", "/events")
    resp = conn.getresponse()
    event = None
    while not stop.is_set():
        line = resp.readline().decode("utf-8")
        if not line:
            return
        line = line.rstrip("\n")
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: ") and event == "decision":
            out.append((time.time(), json.loads(line[6:])))


def bus_listener(rt, out: list, stop: threading.Event) -> None:
    q = rt.events.subscribe()
    while not stop.is_set():
        try:
            e = q.get(timeout=0.2)
        except Exception:
            continue
        if e["type"] == "decision":
            out.append((time.time(), e["data"]))


def scanning_fps(rt, seconds: float) -> float:
    f0, t0 = rt.checkpoint.frames, time.monotonic()
    time.sleep(seconds)
    return (rt.checkpoint.frames - f0) / (time.monotonic() - t0)


def watch_preview(host: str, port: int, stop: threading.Event, parts: list) -> None:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("GET", "/preview.mjpg")
    resp = conn.getresponse()
    while not stop.is_set():
        line = resp.readline()          # through the chunked transfer decoding
        if not line:
            return
        if line.startswith(b"Content-Length: "):
            n = int(line[16:])
            resp.readline()
            resp.read(n)
            parts.append(time.monotonic())


CHROMIUM = "/usr/bin/chromium"
WATCH_CARDS = """() => { window.cards = [];
    const v = document.getElementById('verdict');
    new MutationObserver(() => { if (v.dataset.paintMs && v.dataset.seq)
        window.cards.push({seq: +v.dataset.seq, lag: +v.dataset.lagMs, paint: +v.dataset.paintMs}); })
      .observe(v, {attributes: true, attributeFilter: ['data-paint-ms']}); }"""


def open_screen(url: str):
    """Chromium on the screen, or None where it is not installed. Returns (page, close)."""
    if not Path(CHROMIUM).exists():
        return None, lambda: None
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
    page = browser.new_page(viewport={"width": 800, "height": 480})
    page.goto(url)
    page.wait_for_selector('body[data-connected="1"]')
    page.evaluate(WATCH_CARDS)
    return page, lambda: (browser.close(), pw.stop())


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=12)
    ap.add_argument("--fps-seconds", type=float, default=4.0)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ui-bench-"))
    (tmp / "scenario.toml").write_text("[defaults]\ngap_s = 1.0\n")
    (tmp / "registry.json").write_text(json.dumps(
        {"version": 1, "known_codes": {f"RES-{i}": {"household": "1-1-101"} for i in range(args.people)}}))
    cfg = config.from_dict({
        "kiosk": {"state_dir": str(tmp / "state")},
        "camera": {"type": "sim", "fps": 30}, "thermometer": {"type": "sim"}, "relay": {"type": "sim"},
        "policy": {"pairing_window_s": 1.5}, "ui": {"port": 0}, "mqtt": {"enabled": False},
        "registry": {"file": str(tmp / "registry.json")},
        "sim": {"scenario": str(tmp / "scenario.toml"), "inbox": str(tmp / "inbox")},
    })
    rt = KioskRuntime(cfg)
    rt.start()
    host, port = cfg.ui.host, int(rt.ui_url.rsplit(":", 1)[1].strip("/"))
    stop = threading.Event()
    via_sse, via_bus = [], []
    threading.Thread(target=sse_listener, args=(host, port, via_sse, stop), daemon=True).start()
    threading.Thread(target=bus_listener, args=(rt, via_bus, stop), daemon=True).start()
    page, close_screen = open_screen(rt.ui_url)
    cards: list = []
    try:
        time.sleep(1.0)
        fps_idle = scanning_fps(rt, args.fps_seconds)
        parts: list = []
        watcher_stop = threading.Event()
        threading.Thread(target=watch_preview, args=(host, port, watcher_stop, parts), daemon=True).start()
        time.sleep(0.5)
        fps_watched = scanning_fps(rt, args.fps_seconds)
        preview_fps = len([t for t in parts if t > time.monotonic() - args.fps_seconds]) / args.fps_seconds
        f0, t0 = rt.checkpoint.frames, time.monotonic()
        for i in range(args.people):
            p = tmp / "inbox" / f"p{i}.part"
            p.write_text(f'code = "RES-{i}"\ntemperature_c = 36.6\nshow_s = 1.0\n')
            p.rename(p.with_suffix(".toml"))
            time.sleep(1.8)
        fps_arrivals = (rt.checkpoint.frames - f0) / (time.monotonic() - t0)
        time.sleep(2.0)
        watcher_stop.set()
        if page is not None:
            cards = page.evaluate("window.cards")
    finally:
        stop.set()
        close_screen()
        rt.stop()

    sse_ms = [(t - ts_epoch(e["ts"])) * 1000 for t, e in via_sse]
    bus_ms = [(t - ts_epoch(e["ts"])) * 1000 for t, e in via_bus]
    frame = np.asarray(np.random.default_rng(1).integers(0, 255, (480, 640)), np.uint8)
    enc = []
    for _ in range(100):
        t0 = time.perf_counter()
        preview.render(frame, [(200, 120, 200, 200)], cfg.ui.preview_width)
        enc.append((time.perf_counter() - t0) * 1000)

    print(f"# touchscreen bench ({args.people} people on simulated devices)\n")
    print("| measure | n | median | p95 | baseline (median) | ratio |")
    print("|---|---|---|---|---|---|")
    if sse_ms and bus_ms:
        print(f"| journaled -> SSE client, ms | {len(sse_ms)} | {statistics.median(sse_ms):.1f} | {pct(sse_ms, .95):.1f} "
              f"| in-process bus {statistics.median(bus_ms):.1f} | "
              f"{statistics.median(sse_ms) / max(statistics.median(bus_ms), 0.01):.1f}x |")
    if cards and sse_ms:
        # One row per entry: the card for a seq paints once.
        painted = [c["lag"] + c["paint"] for c in {c["seq"]: c for c in cards}.values()]
        frame_ms = [c["paint"] for c in cards]
        print(f"| journaled -> card painted in Chromium, ms | {len(painted)} | {statistics.median(painted):.1f} | "
              f"{pct(painted, .95):.1f} | SSE client {statistics.median(sse_ms):.1f} | "
              f"{statistics.median(painted) / max(statistics.median(sse_ms), 0.01):.1f}x |")
        print(f"| SSE event -> next frame (rAF), ms | {len(frame_ms)} | {statistics.median(frame_ms):.1f} | "
              f"{pct(frame_ms, .95):.1f} | - | - |")
    elif page is None:
        print(f"| journaled -> card painted | - | - | - | {CHROMIUM} not installed | - |")
    print(f"| scanning fps, preview watched | - | {fps_watched:.1f} | - | nobody watching {fps_idle:.1f} | "
          f"{fps_watched / max(fps_idle, 0.01):.2f} |")
    print(f"| scanning fps, preview watched, people arriving | - | {fps_arrivals:.1f} | - | "
          f"nobody watching, nobody there {fps_idle:.1f} | {fps_arrivals / max(fps_idle, 0.01):.2f} |")
    print(f"| preview frames sent per s | - | {preview_fps:.1f} | - | configured {cfg.ui.preview_fps:g} | "
          f"{preview_fps / cfg.ui.preview_fps:.2f} |")
    print(f"| preview frame 640x480 -> {cfg.ui.preview_width} px JPEG, ms | {len(enc)} | "
          f"{statistics.median(enc):.2f} | {pct(enc, .95):.2f} | - | - |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
