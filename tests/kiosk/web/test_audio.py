"""/audio/<name>.wav: the screen's phrases and chime from the speech cache, only by
their names, silent (204) when the kiosk says nothing may sound."""

from __future__ import annotations

import io
import shutil
import wave

import pytest

from kiosk.speech import CHIMES, PHRASES

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng is not installed (scripts/setup.sh installs it)")


@needs_espeak
@pytest.mark.parametrize("name", [*PHRASES, *CHIMES])
def test_each_known_name_is_a_wav_the_browser_can_play(runtime, client, name):
    runtime.cfg.speech.quiet_hours = ""
    with client.get(f"/audio/{name}.wav") as r:
        assert r.status_code == 200 and r.mimetype == "audio/wav"
        with wave.open(io.BytesIO(r.data), "rb") as w:
            assert w.getnframes() / w.getframerate() > 0.3
        etag = r.headers["ETag"]
    # Revalidated, not refetched: a few bytes when nothing changed.
    with client.get(f"/audio/{name}.wav", headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304


@pytest.mark.parametrize("path", [
    "/audio/hello.wav", "/audio/..%2Fkiosk.toml.wav", "/audio/../state/journal.sqlite3",
    "/audio/%2e%2e%2fui-session.key.wav", "/audio/admit.mp3", "/audio/ADMIT.wav", "/audio/.wav",
])
def test_anything_else_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_in_quiet_hours_the_phrases_are_silent_and_the_refer_chime_is_not(runtime, client):
    runtime.cfg.speech.quiet_hours = "00:00-23:59"
    silent = client.get("/audio/admit.wav")
    assert silent.status_code == 204 and silent.data == b"" and silent.headers["Cache-Control"] == "no-store"
    with client.get("/audio/chime-refer.wav") as chime:
        assert chime.status_code == 200
    runtime.cfg.speech.quiet_hours = ""
    runtime.cfg.speech.enabled = False
    assert client.get("/audio/wait_volunteer.wav").status_code == 204
