"""The screen's sounds: the spoken phrases and the refer chime, as WAV files from the
kiosk's speech cache (kiosk/speech.py). Only the known names are served; whether a
sound plays now (speech off, quiet hours, no tones) is decided here, once, and a
silent answer is 204 No Content, which the browser plays as nothing."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, send_file

bp = Blueprint("audio", __name__)


@bp.get("/audio/<name>.wav")
def sound(name: str):
    speech = current_app.extensions["kiosk"].speech
    if name not in speech.names():
        abort(404)
    path = speech.playable(name, datetime.now().astimezone())
    if path is None:
        return "", 204, {"Cache-Control": "no-store"}
    # Revalidated each time (an ETag answer is a few bytes): quiet hours begin and end.
    resp = send_file(path, mimetype="audio/wav", etag=True, conditional=True, max_age=0)
    resp.headers["Cache-Control"] = "no-cache"
    return resp
