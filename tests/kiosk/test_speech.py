"""Spoken prompts: the real espeak-ng makes each phrase once into the cache, a changed
setting remakes it, a recording replaces it, quiet hours silence speech but not the
refer chime, and a kiosk without espeak-ng stays up."""

from __future__ import annotations

import logging
import shutil
import subprocess
import wave
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from kiosk import config
from kiosk.speech import CHIMES, PHRASES, Speech, in_quiet_hours, wav_seconds

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng is not installed (scripts/setup.sh installs it)")
NIGHT, DAY = datetime(2026, 12, 3, 23, 30), datetime(2026, 12, 3, 10, 0)


def section(**speech):
    return config.from_dict({"speech": {"quiet_hours": "", **speech}}).speech


def samples(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        assert (w.getsampwidth(), w.getcomptype()) == (2, "NONE")
        return np.frombuffer(w.readframes(w.getnframes()), "<i2")


def recording(path: Path, freq: float = 440.0, seconds: float = 0.5, rate: int = 16000) -> Path:
    """A 'recorded' phrase: a plain tone, as a volunteer's WAV file would be read."""
    t = np.arange(int(rate * seconds)) / rate
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.sin(2 * np.pi * freq * t) * 20000).astype("<i2").tobytes())
    return path


@needs_espeak
def test_espeak_ng_speaks_each_phrase_in_mandarin_as_a_valid_wav(tmp_path):
    speech = Speech(section(), tmp_path)
    lengths = {}
    for name, text in PHRASES.items():
        path = speech.file_for(name)
        with wave.open(str(path), "rb") as w:
            assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)
        pcm = samples(path)
        # Sound, not silence, and about 0.2-0.6 s per syllable at 150 words a minute.
        assert np.sqrt(np.mean(pcm.astype(float) ** 2)) > 500, name
        lengths[name] = wav_seconds(path)
        assert 0.2 * len(text) < lengths[name] < 0.6 * len(text) + 0.5, (name, lengths[name])
    assert lengths["deny_other"] > lengths["measure"]
    # Mandarin all through: espeak-ng 1.51's plain "cmn" voice switches to English to read its
    # own pinyin ("(en)kI55NTr'i:55", "king three", for 请); the default voice never does.
    for text in PHRASES.values():
        phonemes = subprocess.run(["espeak-ng", "-q", "-x", "-v", section().voice, text], capture_output=True,
                                  text=True, timeout=30, check=True).stdout
        assert "(en)" not in phonemes and phonemes.strip(), (text, phonemes)


@needs_espeak
def test_each_file_is_made_once_and_kept_across_restarts(tmp_path):
    first = Speech(section(), tmp_path)
    first.prepare()
    assert first.made == len(PHRASES) + len(CHIMES) and not first.errors
    made = {name: first.file_for(name) for name in first.names()}
    stamps = {name: p.stat().st_mtime_ns for name, p in made.items()}

    again = Speech(section(), tmp_path)          # the kiosk restarted, nothing changed
    again.prepare()
    assert again.made == 0
    assert {name: again.file_for(name) for name in again.names()} == made
    assert {name: p.stat().st_mtime_ns for name, p in made.items()} == stamps

    made["admit"].unlink()                        # a file lost from the cache is made again
    assert again.file_for("admit").exists() and again.made == 1


@needs_espeak
def test_a_changed_setting_remakes_what_it_changes_and_drops_the_old_files(tmp_path):
    Speech(section(), tmp_path).prepare()
    faster = Speech(section(rate_wpm=220), tmp_path)
    faster.prepare()
    assert faster.made == len(PHRASES)            # every phrase, not the chime
    assert wav_seconds(faster.file_for("deny_other")) < wav_seconds(
        Speech(section(), tmp_path / "slow").file_for("deny_other"))
    louder = Speech(section(rate_wpm=220, volume=40), tmp_path)
    louder.prepare()
    assert louder.made == len(PHRASES) + len(CHIMES)
    assert sorted(p.name.rsplit("-", 1)[0] for p in tmp_path.glob("*.wav")) == sorted(louder.names())


def test_a_recording_replaces_its_phrase_at_the_configured_volume(tmp_path):
    rec = recording(tmp_path / "admit.wav")
    loud = Speech(section(phrases={"admit": str(rec)}, volume=100), tmp_path / "a")
    assert np.array_equal(samples(loud.file_for("admit")), samples(rec))
    half = Speech(section(phrases={"admit": str(rec)}, volume=50), tmp_path / "b")
    assert np.abs(samples(half.file_for("admit"))).max() == pytest.approx(20000 * 0.5, abs=2)

    recording(rec, freq=660.0)                    # a new recording under the same name is used
    again = Speech(section(phrases={"admit": str(rec)}, volume=100), tmp_path / "a")
    assert np.array_equal(samples(again.file_for("admit")), samples(rec)) and again.made == 1


def test_a_bad_recording_is_named_and_the_other_phrases_still_play(tmp_path, caplog):
    bad = tmp_path / "deny.wav"
    bad.write_text("not audio")
    speech = Speech(section(phrases={"deny": str(bad)}), tmp_path / "cache")
    with caplog.at_level(logging.ERROR, "kiosk.speech"):
        assert speech.file_for("deny") is None
    assert str(bad) in speech.errors["deny"] and "PCM WAV" in speech.errors["deny"]
    assert [r.getMessage() for r in caplog.records] == [f"speech: deny: {speech.errors['deny']}"]
    assert speech.file_for("chime-refer") is not None


def test_a_relative_recording_is_found_beside_the_config_file(tmp_path):
    recording(tmp_path / "rec.wav")
    (tmp_path / "kiosk.toml").write_text('[speech.phrases]\nwait_volunteer = "rec.wav"\n')
    assert config.load(tmp_path / "kiosk.toml").speech.phrases == {"wait_volunteer": tmp_path / "rec.wav"}


@pytest.mark.parametrize("spec, hhmm, quiet", [
    ("22:00-07:00", "23:30", True), ("22:00-07:00", "06:59", True), ("22:00-07:00", "07:00", False),
    ("22:00-07:00", "21:59", False), ("22:00-07:00", "22:00", True),
    ("12:00-13:30", "12:45", True), ("12:00-13:30", "13:30", False), ("", "03:00", False),
])
def test_quiet_hours(spec, hhmm, quiet):
    h, m = map(int, hhmm.split(":"))
    assert in_quiet_hours(spec, datetime(2026, 12, 3, h, m)) is quiet


def test_quiet_hours_silence_speech_but_the_refer_chime_still_calls(tmp_path):
    rec = recording(tmp_path / "rec.wav")
    speech = Speech(section(quiet_hours="22:00-07:00", phrases={"admit": str(rec)}), tmp_path / "cache")
    assert speech.playable("admit", NIGHT) is None
    assert speech.playable("chime-refer", NIGHT) is not None
    assert speech.playable("admit", DAY) is not None
    off = Speech(section(enabled=False, phrases={"admit": str(rec)}), tmp_path / "cache")
    assert off.playable("admit", DAY) is None and off.playable("chime-refer", DAY) is not None
    no_tones = Speech(section(), tmp_path / "cache", chime_on=False)
    assert no_tones.playable("chime-refer", DAY) is None


def test_without_espeak_ng_one_line_says_so_and_recordings_and_the_chime_still_play(tmp_path, caplog):
    rec = recording(tmp_path / "rec.wav")
    with caplog.at_level(logging.WARNING, "kiosk.speech"):
        speech = Speech(section(command=str(tmp_path / "no-espeak-ng"), phrases={"admit": str(rec)}), tmp_path / "c")
        speech.prepare()
    assert len(caplog.records) == 1 and "not found" in caplog.records[0].getMessage()
    assert speech.playable("deny", DAY) is None and not speech.errors
    assert speech.playable("admit", DAY) is not None and speech.playable("chime-refer", DAY) is not None


def test_the_refer_chime_is_its_own_sound(tmp_path):
    pcm = samples(Speech(section(volume=100), tmp_path).file_for("chime-refer"))
    assert 1.0 < len(pcm) / 22050 < 2.0
    # A doorbell's two notes (988 and 784 Hz), not the screen's admit (880/1320 Hz) or deny (220 Hz) tone.
    spectrum = np.abs(np.fft.rfft(pcm.astype(float)))
    freqs = np.fft.rfftfreq(len(pcm), 1 / 22050)
    strongest = {round(f) for f in freqs[np.argsort(spectrum)[-40:]]}
    assert any(abs(f - 988) < 5 for f in strongest) and any(abs(f - 784) < 5 for f in strongest)
    assert not any(abs(f - 220) < 10 or abs(f - 1320) < 10 for f in strongest)


def test_the_cache_never_takes_the_room_the_journal_keeps(tmp_path, caplog):
    free_mb = shutil.disk_usage(tmp_path).free / 1e6
    with caplog.at_level(logging.ERROR, logger="kiosk.speech"):
        crowded = Speech(section(), tmp_path / "cache", keep_free_mb=free_mb * 2)
        assert crowded.file_for("chime-refer") is None
    assert not list((tmp_path / "cache").glob("*.wav")), "a file was cached below the journal's reserve"
    assert "warn_free_mb" in crowded.errors["chime-refer"]
    roomy = Speech(section(), tmp_path / "cache", keep_free_mb=1.0)
    assert roomy.file_for("chime-refer") is not None


def test_what_is_switched_off_is_never_written(tmp_path):
    Speech(section(enabled=False), tmp_path / "cache", chime_on=False).prepare()
    assert not list(tmp_path.rglob("*.wav"))
