"""Spoken prompts, with figures:

- time to first audio: from the verdict's event reaching the screen to its <audio>
  element playing the admit phrase, in Debian's Chromium (performance.now in the page,
  kiosk/web/static/voice.js), against a kiosk on simulated devices. Three ways in one
  run: a recorded clip named in [speech] phrases (the baseline: no synthesis at all),
  the synthesised phrase from the cache (what a kiosk does), and the synthesised phrase
  with its cache emptied before each person (synthesis on demand, what caching saves);
- synthesis time per phrase with espeak-ng, against reading the cached file.

Prints a markdown table. Usage: python bench/speech_bench.py [--people N] [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk import config  # noqa: E402
from kiosk.runtime import KioskRuntime  # noqa: E402
from kiosk.speech import PHRASES, Speech  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def kiosk_config(tmp: Path, people: int, speech: dict):
    (tmp / "inbox").mkdir(parents=True)
    (tmp / "scenario.toml").write_text("[defaults]\ngap_s = 1.0\n")
    (tmp / "registry.json").write_text(json.dumps(
        {"version": 1, "known_codes": {f"RES-{i}": {"household": "1-1-101"} for i in range(people)}}))
    return config.from_dict({
        "kiosk": {"state_dir": str(tmp / "state")},
        "camera": {"type": "sim"}, "thermometer": {"type": "sim"}, "relay": {"type": "sim"},
        "policy": {"pairing_window_s": 1.5}, "ui": {"port": 0}, "mqtt": {"enabled": False},
        "registry": {"file": str(tmp / "registry.json")},
        "sim": {"scenario": str(tmp / "scenario.toml"), "inbox": str(tmp / "inbox")},
        "speech": {"quiet_hours": "", **speech},
    })


def first_audio_ms(browser, tmp: Path, people: int, speech: dict, cold: bool = False) -> list[float]:
    """Verdict event -> admit phrase playing, ms, for ``people`` admits in a row."""
    cfg = kiosk_config(tmp, people, speech)
    rt = KioskRuntime(cfg)
    rt.start()
    ctx = browser.new_context(viewport={"width": 800, "height": 480})
    try:
        rt.speech.prepare()
        page = ctx.new_page()
        page.goto(rt.ui_url)
        page.wait_for_selector('body[data-connected="1"]')
        for i in range(people):
            if cold:
                for f in rt.speech.dir.glob("admit-*.wav"):
                    f.unlink()
            seq = rt.journal.last_seq() + 1
            p = tmp / "inbox" / f"p{i}.part"
            p.write_text(f'code = "RES-{i}"\ntemperature_c = 36.6\nshow_s = 1.0\n')
            p.rename(p.with_suffix(".toml"))
            page.wait_for_selector(f'[data-testid="verdict"][data-seq="{seq}"]', timeout=20000)
            page.wait_for_function(f"kioskVoice.log.filter(i => i.name === 'admit' && i.started).length > {i}",
                                   timeout=20000)
            time.sleep(1.0)         # the person walks off before the next one comes
        items = page.evaluate("kioskVoice.log.filter(i => i.name === 'admit' && i.started)"
                              ".map(i => i.started - i.asked)")
    finally:
        ctx.close()
        rt.stop()
    return items


def synthesis_ms(rounds: int) -> dict[str, list[float]]:
    section = config.from_dict({}).speech
    out: dict[str, list[float]] = {name: [] for name in PHRASES}
    out["(cached file, any phrase)"] = []
    with tempfile.TemporaryDirectory(prefix="speech-bench-") as tmp:
        for r in range(rounds):
            speech = Speech(section, Path(tmp) / f"r{r}")
            for name in PHRASES:
                t0 = time.perf_counter()
                speech.file_for(name)
                out[name].append((time.perf_counter() - t0) * 1000)
            for name in PHRASES:
                t0 = time.perf_counter()
                speech.file_for(name).read_bytes()
                out["(cached file, any phrase)"].append((time.perf_counter() - t0) * 1000)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    if shutil.which("espeak-ng") is None:
        print("espeak-ng is not installed (scripts/setup.sh installs it): nothing to measure")
        return 0
    synth = synthesis_ms(args.rounds)
    audio: dict[str, list[float]] = {}
    if Path(CHROMIUM).exists():
        from playwright.sync_api import sync_playwright

        tmp = Path(tempfile.mkdtemp(prefix="speech-bench-"))
        try:
            # The "recording": a WAV made once, before the kiosk starts, named in the config.
            clip = Speech(config.from_dict({}).speech, tmp / "studio").file_for("admit")
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                try:
                    audio["recorded clip (baseline)"] = first_audio_ms(
                        browser, tmp / "rec", args.people, {"phrases": {"admit": str(clip)}})
                    audio["synthesised, cached"] = first_audio_ms(browser, tmp / "tts", args.people, {})
                    audio["synthesised on demand (no cache)"] = first_audio_ms(
                        browser, tmp / "cold", args.people, {}, cold=True)
                finally:
                    browser.close()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    print(f"# speech bench (espeak-ng, voice {config.from_dict({}).speech.voice})\n")
    print("| measure | n | median | p95 | baseline (median) | ratio |")
    print("|---|---|---|---|---|---|")
    if audio:
        base = statistics.median(audio["recorded clip (baseline)"])
        for label, ms in audio.items():
            print(f"| verdict event -> admit phrase playing, {label}, ms | {len(ms)} | {statistics.median(ms):.1f} | "
                  f"{pct(ms, .95):.1f} | recorded clip {base:.1f} | {statistics.median(ms) / max(base, 0.01):.2f}x |")
    else:
        print(f"| time to first audio | - | - | - | {CHROMIUM} not installed | - |")
    cached = statistics.median(synth["(cached file, any phrase)"])
    for name, ms in synth.items():
        label = f"synthesise {name} ({PHRASES[name]})" if name in PHRASES else f"read {name}"
        print(f"| {label}, ms | {len(ms)} | {statistics.median(ms):.2f} | {pct(ms, .95):.2f} | "
              f"cached file {cached:.2f} | {statistics.median(ms) / max(cached, 0.001):.0f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
