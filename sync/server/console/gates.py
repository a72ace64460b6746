"""Gates: every kiosk's status and a small chart of entries per hour per gate."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from flask import Blueprint, current_app, jsonify, render_template

from sync.server.console.auth import login_required

bp = Blueprint("gates", __name__, template_folder="templates")

CHART_HOURS = 24
# A kiosk whose last word is older than this is shown as silent even if it said online.
STALE_S = 120
MAX_DEVICES = 16     # three devices and a handful of readers; more is not a kiosk speaking


def _console():
    return current_app.extensions["console"]


def broker_trouble() -> dict | None:
    """Why this server is off its own broker (its link's state and last error), or None
    when it is on it or runs without one. While it is off, no kiosk can be heard, so no
    kiosk is called offline for it."""
    link = _console().broker_link
    if link is None or link.connected:
        return None
    return {"state": str(link.state), "error": link.last_error}


def chat_targets() -> list[dict]:
    """Each group-chat target and how its last push went (none configured: empty)."""
    notifier = _console().notifier
    if notifier is None:
        return []
    return [{"name": name, **state} for name, state in notifier.status.items()]


def _states(said, width: int = 20) -> dict[str, str]:
    """Device name -> state (or why it could not be built) as a kiosk reported them. The
    status topic is a kiosk's to write, so anything but names and short texts (a kiosk's
    broker password in other hands) is left out rather than allowed to break the page."""
    if not isinstance(said, dict):
        return {}
    out = {}
    for name, state in list(said.items())[:MAX_DEVICES]:
        if isinstance(state, dict):     # an older kiosk: {"state": ...}
            state = state.get("state")
        if isinstance(state, str) and state:
            out[str(name)[:40]] = state[:width]
    return out


def fleet() -> list[dict]:
    """Each gate's status, flattened for the table (what the kiosk last said, and when)."""
    now = time.time()
    deaf = broker_trouble() is not None
    out = []
    for g in _console().store.storage.gates():
        status = g.get("status") or {}
        said = status.get("state") or ("online" if status.get("online") else status.get("status")) or "unknown"
        seen = max(x for x in (g.get("status_at") or 0, g.get("last_entry_at") or 0))
        state = said if said != "online" or now - seen < STALE_S else "silent"
        out.append({
            "site": g["site"], "gate": g["gate"], "state": "unknown" if deaf else state, "last_known": state,
            "last_seen_s": round(now - seen) if seen else None,
            "backlog": status.get("backlog"), "entries": g["entries"],
            "devices": _states(status.get("devices")),
            "readers": _states(status.get("readers")),
            "absent": _states(status.get("absent"), width=200),
            "registry_version": status.get("registry_version"),
            "screening": status.get("screening"),
            "clock_synced": status.get("clock_synced"), "version": status.get("version"),
            "gap": g["gap"], "chain_issues": g["chain_issues"],
        })
    return out


def hourly_chart(now: datetime | None = None) -> dict:
    """Bars per gate for the last 24 hours (UTC hours, shown as the site's local hour)."""
    con = _console()
    now = (now or datetime.now(timezone.utc)).replace(minute=0, second=0, microsecond=0)
    hours = [now - timedelta(hours=h) for h in range(CHART_HOURS - 1, -1, -1)]
    keys = [h.strftime("%Y-%m-%dT%H") for h in hours]
    since = hours[0].strftime("%Y-%m-%dT%H:00:00.000Z")
    series: dict[str, list[int]] = {}
    for row in con.store.hourly_counts(since):
        bars = series.setdefault(f"{row['site']}/{row['gate']}", [0] * CHART_HOURS)
        if row["hour"] in keys:
            bars[keys.index(row["hour"])] = int(row["n"])
    labels = [h.astimezone(con.tz).strftime("%H") for h in hours]
    peak = max((max(b) for b in series.values()), default=0)
    return {"labels": labels, "series": series, "peak": max(peak, 1)}


@bp.get("/gates")
@login_required
def index():
    return render_template("console/gates.html", gates=fleet(), chart=hourly_chart(), broker=broker_trouble(),
                           chats=chat_targets())


@bp.get("/gates/data")
@login_required
def data():
    return jsonify(gates=fleet(), broker=broker_trouble(), chats=chat_targets())
