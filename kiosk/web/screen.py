"""The live verdict screen and its server-sent event stream."""

from __future__ import annotations

import json
import queue

from flask import Blueprint, Response, current_app, jsonify, render_template

bp = Blueprint("screen", __name__)


def _runtime():
    return current_app.extensions["kiosk"]


@bp.get("/")
def index():
    return render_template("screen.html", rt=_runtime())


@bp.get("/api/status")
def status():
    return jsonify(_runtime().status())


@bp.get("/api/entries/recent")
def recent():
    return jsonify(_runtime().journal.recent(20))


def _sse(event: dict) -> str:
    return f"id: {event['id']}\nevent: {event['type']}\ndata: {json.dumps(event['data'], ensure_ascii=False)}\n\n"


@bp.get("/events")
def events():
    rt = _runtime()
    q = rt.events.subscribe()

    def stream():
        try:
            # A snapshot first, so a page that (re)connects is whole at once.
            yield _sse({"id": 0, "type": "snapshot",
                        "data": {"status": rt.status(), "recent": rt.journal.recent(10)}})
            while not rt.stopping.is_set():
                try:
                    yield _sse(q.get(timeout=5))
                except queue.Empty:
                    yield ": keep-alive\n\n"
        finally:
            rt.events.unsubscribe(q)

    return Response(stream(), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
