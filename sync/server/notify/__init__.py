"""Alerts pushed to the staff's group chat: fevers, quarantine-exit attempts and overstays, in
Chinese, within seconds, to a WeCom group robot, a DingTalk robot, a Feishu bot or a
generic JSON webhook (``[notify]`` in the server's config).

The collector only hands entries over (``Notifier.offer``, a queue put); one thread of
its own sends, retrying with back-off, so a slow or dead chat service never holds up
storing and acknowledging entries. The last outcome per target is kept for the gates page.
"""

from __future__ import annotations

import logging
import queue
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from typing import Any

from sync.server.background import BackgroundTask
from sync.server.notify.message import alert_text, is_alert, overstay_text
from sync.server.notify.services import build_request

log = logging.getLogger(__name__)

SEEN_MAX = 10_000   # (site, gate, seq) already pushed: a batch sent again is not pushed twice


class Notifier(BackgroundTask):
    thread_name = "notify"

    def __init__(self, section, *, tz) -> None:
        self.cfg, self.tz = section, tz
        self._queue: queue.Queue = queue.Queue(maxsize=section.queue_max)
        self._seen: OrderedDict = OrderedDict()
        super().__init__()
        # target name -> {"ok": bool, "at": float, "error": str | None, "sent": int, "failed": int}
        self.status: dict[str, dict[str, Any]] = {
            t.label: {"ok": None, "at": None, "error": None, "sent": 0, "failed": 0} for t in section.targets}

    def wanted(self) -> bool:
        return bool(self.cfg.targets)

    def offer(self, site: str, gate: str, entries: list[dict]) -> None:
        """Queue the alerts among stored entries; never blocks (a full queue drops and logs)."""
        if not self.cfg.targets:
            return
        for e in entries:
            key = (site, gate, e.get("seq"))
            if key in self._seen or not is_alert(e):
                continue
            self._seen[key] = True
            if len(self._seen) > SEEN_MAX:
                self._seen.popitem(last=False)
            try:
                self._queue.put_nowait(alert_text(site, gate, e, self.tz))
            except queue.Full:
                log.error("notify queue full: alert for %s/%s #%s not pushed", site, gate, e.get("seq"))

    def offer_overstay(self, site: str, gate: str, entry: dict) -> None:
        """Queue an overstay (sync/server/overstay.py raises each one once); never blocks."""
        if not self.cfg.targets:
            return
        try:
            self._queue.put_nowait(overstay_text(site, gate, entry, self.tz))
        except queue.Full:
            log.error("notify queue full: overstay at %s/%s #%s not pushed", site, gate, entry.get("seq"))

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                text = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            for target in self.cfg.targets:
                self._deliver(target, text)

    def _deliver(self, target, text: str) -> None:
        delay = self.cfg.retry_first_s
        for attempt in range(1, self.cfg.retries + 2):
            error = self._send_once(target, text)
            state = self.status[target.label]
            state["at"] = time.time()
            if error is None:
                state.update(ok=True, error=None, sent=state["sent"] + 1)
                return
            state.update(ok=False, error=error)
            log.warning("notify %s: attempt %d failed: %s", target.label, attempt, error)
            if attempt > self.cfg.retries or self._stop.wait(delay):
                break
            delay = min(delay * 2, self.cfg.retry_max_s)
        state["failed"] += 1

    def _send_once(self, target, text: str) -> str | None:
        url, body = build_request(target, text, time.time())
        req = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with urllib.request.urlopen(req, timeout=self.cfg.timeout_s) as r:
                return _refusal(r.read())
        except urllib.error.HTTPError as exc:
            return f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            return str(getattr(exc, "reason", exc))


def _refusal(body: bytes) -> str | None:
    """The chat services answer 200 with an error code in the body when they refuse."""
    import json

    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        return None
    if not isinstance(answer, dict):
        return None
    code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
    return None if code in (0, None) else f"refused: {code} {answer.get('errmsg') or answer.get('msg') or ''}".strip()
