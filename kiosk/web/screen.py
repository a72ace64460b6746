"""The verdict screen: the page, its event stream, the camera preview and the status."""

from __future__ import annotations

import json
import queue
import time

from flask import Blueprint, Response, abort, current_app, jsonify, make_response, redirect, render_template, request

from kiosk.web import health, i18n, preview
from kiosk.web.i18n import catalogue

bp = Blueprint("screen", __name__)
STATUS_EVERY_S = 2.0


def _runtime():
    return current_app.extensions["kiosk"]


def full_status(rt, t) -> dict:
    status = rt.status()
    status["preview_watchers"] = current_app.extensions["preview_watchers"].count
    handheld = rt.checkpoint.handheld.peek()
    # The runtime's own status, plus the status bar's items in words and a waiting handheld reading.
    return {**status, "items": health.items(status, t, rt.cfg.ui.backlog_warn),
            "handheld": {"value_c": handheld.value_c} if handheld else None}


def _sse(type_: str, data, id_: int | None = None) -> str:
    head = f"id: {id_}\n" if id_ is not None else ""
    return f"{head}event: {type_}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@bp.get("/")
def index():
    rt, cat = _runtime(), catalogue()
    ui = rt.cfg.ui
    page = {"sounds": ui.sounds, "quiet_hours": ui.quiet_hours, "hold_s": ui.verdict_hold_s,
            "queue_ttl_s": ui.queue_ttl_s, "lang": cat.lang}
    return render_template("screen.html", rt=rt, page=page)


@bp.get("/api/status")
def status():
    return jsonify(full_status(_runtime(), catalogue().t))


@bp.get("/api/today")
def today():
    return jsonify(current_app.extensions["day_summary"].get())


@bp.post("/lang")
def switch_language():
    lang = (request.get_json(silent=True) or request.form).get("lang")
    if lang not in i18n.LANGUAGES:
        abort(400)
    resp = make_response(redirect(request.referrer or "/", 303))
    resp.set_cookie(i18n.COOKIE, lang, max_age=10 * 365 * 86400, samesite="Strict")
    return resp


@bp.get("/events")
def events():
    rt, app = _runtime(), current_app._get_current_object()
    summary, t = app.extensions["day_summary"], catalogue().t
    q = rt.events.subscribe()

    def stream():
        try:
            with app.app_context():
                last_status = full_status(rt, t)
                # Reconnect soon after the kiosk restarts; then a snapshot makes the page whole.
                yield "retry: 1000\n\n"
                yield _sse("snapshot", {"status": last_status, **summary.get(),
                                        "recent": rt.journal.recent(10)}, 0)
                next_status = time.monotonic() + STATUS_EVERY_S
                while not rt.stopping.is_set():
                    try:
                        event = q.get(timeout=max(0.05, next_status - time.monotonic()))
                    except queue.Empty:
                        event = None
                    if event is not None:
                        yield _sse(event["type"], event["data"], event["id"])
                        if event["type"] == "decision":
                            yield _sse("summary", summary.get())
                    if time.monotonic() >= next_status:
                        next_status = time.monotonic() + STATUS_EVERY_S
                        current = full_status(rt, t)
                        if current["items"] != last_status["items"] or current["handheld"] != last_status["handheld"]:
                            yield _sse("status", current)
                        else:
                            yield ": keep-alive\n\n"
                        last_status = current
        finally:
            rt.events.unsubscribe(q)

    return Response(stream(), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@bp.get("/preview.mjpg")
def camera_preview():
    rt, app = _runtime(), current_app
    watchers: preview.Watchers = app.extensions["preview_watchers"]
    if not watchers.enter():
        return Response("too many previews open", status=503)
    ui = rt.cfg.ui
    body = preview.PreviewStream(rt.checkpoint, ui.preview_width, ui.preview_fps, rt.stopping, watchers)
    return Response(body, mimetype=f"multipart/x-mixed-replace; boundary={preview.BOUNDARY}",
                    headers={"Cache-Control": "no-cache"})
