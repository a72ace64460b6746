"""Spoken prompts (语音播报): each phrase becomes a WAV file in a cache under the
kiosk's state directory, made once and reused until the phrase, the voice or the
volume changes.

Phrases are synthesised offline by espeak-ng (a Debian package; its Mandarin voice
ships in espeak-ng-data, nothing is downloaded). A phrase can be replaced by a
recording named in ``[speech] phrases``. The screen's browser plays the files
(``kiosk/web/audio.py``); the checkpoint loop never waits for any of this: the cache
is filled on a thread of its own, or on the web thread that first asks for a phrase.

Without espeak-ng the kiosk runs on, silent except for recorded phrases and the chime.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
import threading
import wave
from datetime import datetime
from pathlib import Path

import numpy as np

from kiosk import chime
from kiosk.chime import Pcm

log = logging.getLogger(__name__)

# What is said, by name. The screen asks for a name; the words live only here.
PHRASES: dict[str, str] = {
    "show_code": "请出示通行码",
    "measure": "请测温",
    "remeasure": "请重新测温",
    "admit": "体温正常，请通行",
    "pass": "请通行",                         # an admit without a reading of its own (an override, no thermometer)
    "deny": "体温异常，禁止通行",            # a fever, and nothing else
    "deny_other": "禁止通行，请联系工作人员",  # a pass refused for what it is (revoked, quarantine, hours)
    "wait_volunteer": "请等待工作人员",
}
CHIMES = {"chime-refer": chime.refer}
CACHE_DIR = "speech"
FORMAT = 1          # bump when the way files are made changes, so old caches are remade


class SpeechError(Exception):
    """A phrase that cannot be made, said for the person who configured it."""


def in_quiet_hours(spec: str, now: datetime) -> bool:
    """Whether local time ``now`` lies in ``"HH:MM-HH:MM"`` (which may span midnight)."""
    if not spec:
        return False
    start, end = ((int(h) * 60 + int(m)) for h, m in (part.split(":") for part in spec.split("-")))
    t = now.hour * 60 + now.minute
    return start <= t < end if start <= end else (t >= start or t < end)


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()


def read_pcm16(path: Path) -> Pcm:
    """The samples of a 16-bit PCM WAV file, or SpeechError saying why not."""
    try:
        with wave.open(str(path), "rb") as w:
            params = w.getparams()
            if params.sampwidth != 2:
                raise SpeechError(f"{path}: {params.sampwidth * 8}-bit samples; expected 16-bit PCM WAV")
            return Pcm(np.frombuffer(w.readframes(params.nframes), "<i2"), params.nchannels, params.framerate)
    except (wave.Error, EOFError) as exc:
        raise SpeechError(f"{path}: not a PCM WAV file ({exc}); convert it, e.g. "
                          "`ffmpeg -i in.m4a -ac 1 -ar 22050 -sample_fmt s16 out.wav`") from None
    except OSError as exc:
        raise SpeechError(f"{path}: cannot read: {exc.strerror or exc}") from None


def write_scaled(pcm: Pcm, volume: int, out: Path) -> None:
    """Write ``pcm`` at ``volume`` percent, atomically (a reader never sees half a file)."""
    scaled = np.clip(pcm.samples.astype(np.int32) * volume // 100, -32768, 32767).astype("<i2")
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".tmp-", suffix=".wav")
    os.close(fd)
    try:
        with wave.open(tmp, "wb") as w:
            w.setnchannels(pcm.channels)
            w.setsampwidth(2)
            w.setframerate(pcm.rate)
            w.writeframes(scaled.tobytes())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _quiet_env(tmp: str) -> dict:
    """espeak-ng's environment: it probes PulseAudio even to write a file, and libpulse
    would leave ~/.config/pulse in the kiosk's home (its state directory); keep that in tmp."""
    return {**os.environ, "PULSE_RUNTIME_PATH": tmp, "PULSE_STATE_PATH": tmp}


class Speech:
    """The kiosk's phrases and chimes as files, made on first need and kept."""

    def __init__(self, section, cache_dir: Path, *, chime_on: bool = True, keep_free_mb: float = 0.0) -> None:
        self.cfg, self.dir, self.chime_on = section, Path(cache_dir), chime_on
        # The journal owns the disk: a phrase is never cached into the room its entries need.
        self.keep_free_mb = keep_free_mb
        self.engine = shutil.which(section.command) if section.enabled else None
        self.engine_version = self._engine_version()
        self.made = 0                       # files written by this process (the rest came from the cache)
        self.errors: dict[str, str] = {}    # name -> why it cannot be played
        self._files: dict[str, Path] = {}
        self._lock = threading.Lock()
        if section.enabled and self.engine is None:
            log.warning("speech: %s not found: spoken prompts are off except recorded ones "
                        "(install espeak-ng: scripts/setup.sh)", section.command)

    @classmethod
    def from_config(cls, cfg) -> "Speech":
        return cls(cfg.speech, Path(cfg.kiosk.state_dir) / CACHE_DIR, chime_on=cfg.ui.sounds,
                   keep_free_mb=cfg.disk.warn_free_mb)

    def _engine_version(self) -> str:
        if self.engine is None:
            return ""
        try:
            with tempfile.TemporaryDirectory(prefix="kiosk-tts-") as tmp:
                out = subprocess.run([self.engine, "--version"], capture_output=True, text=True, timeout=10,
                                     env=_quiet_env(tmp))
            return out.stdout.split("Data at")[0].strip()
        except (OSError, subprocess.SubprocessError) as exc:
            log.warning("speech: %s --version failed: %s", self.engine, exc)
            self.engine = None
            return ""

    def names(self) -> list[str]:
        return [*PHRASES, *CHIMES]

    def playable(self, name: str, now: datetime) -> Path | None:
        """The file the screen should play for ``name`` at local time ``now``, or None
        when it stays silent: speech off, quiet hours (speech only: a refer's chime
        still calls the volunteer), no tones (``[ui] sounds``), or it cannot be made."""
        if name in CHIMES:
            return self.file_for(name) if self.chime_on else None
        if not self.cfg.enabled or in_quiet_hours(self.cfg.quiet_hours, now):
            return None
        return self.file_for(name)

    def file_for(self, name: str) -> Path | None:
        """The cached file for a phrase or chime, made now if it is missing or stale."""
        with self._lock:
            path = self._files.get(name)
            if path is not None and path.exists():
                return path
            try:
                path = self._make(name)
            except SpeechError as exc:
                if self.errors.get(name) != str(exc):
                    log.error("speech: %s: %s", name, exc)
                self.errors[name] = str(exc)
                return None
            self.errors.pop(name, None)
            if path is not None:
                self._files[name] = path
            return path

    def prepare(self) -> None:
        """Make every file that can sound now (a thread at start), so the first person
        hears no delay; what is switched off is not written to the journal's disk."""
        for name in self.names():
            if (self.chime_on if name in CHIMES else self.cfg.enabled):
                self.file_for(name)

    def start(self) -> threading.Thread:
        t = threading.Thread(target=self.prepare, name="speech", daemon=True)
        t.start()
        return t

    # -- making files -----------------------------------------------------------------------

    def _source(self, name: str) -> dict | None:
        """What the file for ``name`` is made from; its hash names the cached file."""
        if name in CHIMES:
            return {"chime": name, "volume": self.cfg.volume}
        override = self.cfg.phrases.get(name)
        if override is not None:
            try:
                digest = hashlib.sha256(Path(override).read_bytes()).hexdigest()
            except OSError as exc:
                raise SpeechError(f"[speech] phrases.{name}: cannot read {override}: "
                                  f"{exc.strerror or exc}") from None
            return {"recording": digest, "volume": self.cfg.volume}
        if self.engine is None:
            return None
        return {"text": PHRASES[name], "voice": self.cfg.voice, "rate_wpm": self.cfg.rate_wpm,
                "volume": self.cfg.volume, "engine": self.engine_version}

    def _make(self, name: str) -> Path | None:
        source = self._source(name)
        if source is None:
            return None
        key = hashlib.sha256(json.dumps({**source, "format": FORMAT}, sort_keys=True).encode()).hexdigest()[:16]
        path = self.dir / f"{name}-{key}.wav"
        if path.exists():
            return path
        self.dir.mkdir(parents=True, exist_ok=True)
        if "chime" in source:
            pcm = CHIMES[name]()
        elif "recording" in source:
            pcm = read_pcm16(Path(self.cfg.phrases[name]))
        else:
            pcm = self._synthesise(PHRASES[name])
        self._write(pcm, path)
        self.made += 1
        for old in self.dir.glob(f"{name}-*.wav"):
            if old != path:
                old.unlink(missing_ok=True)
        return path

    def _write(self, pcm: Pcm, path: Path) -> None:
        try:
            free_mb = shutil.disk_usage(self.dir).free / 1e6
            if free_mb < self.keep_free_mb:
                raise SpeechError(f"not cached: {free_mb:.1f} MB free in {self.dir}, "
                                  f"below [disk] warn_free_mb ({self.keep_free_mb:g} MB) kept for the journal")
            write_scaled(pcm, self.cfg.volume, path)
        except OSError as exc:
            raise SpeechError(f"cannot write {path}: {exc.strerror or exc}") from None

    def _synthesise(self, text: str) -> Pcm:
        with tempfile.TemporaryDirectory(dir=self.dir, prefix=".tts-") as tmp:
            raw = Path(tmp) / "raw.wav"
            try:
                done = subprocess.run([self.engine, "-v", self.cfg.voice, "-s", str(self.cfg.rate_wpm),
                                       "-w", str(raw), text], capture_output=True, text=True, timeout=60,
                                      env=_quiet_env(tmp))
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise SpeechError(f"{self.engine} failed: {exc}") from None
            if done.returncode != 0 or not raw.exists():
                said = (done.stderr or done.stdout).strip() or f"exit {done.returncode}"
                raise SpeechError(f"{self.engine} -v {self.cfg.voice}: {said} (list voices with "
                                  f"`{self.cfg.command} --voices=cmn`)")
            return read_pcm16(raw)
