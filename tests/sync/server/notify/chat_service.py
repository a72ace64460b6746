"""A local chat service for the notify tests: a real HTTP server on 127.0.0.1 that checks
each service's documented payload and signature the way the service does, and answers
as it does (errcode 0, or its refusal)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SECRET = "SEC0123456789abcdef"


def _check(path: str, query: dict, body: dict) -> str | None:
    """Why the service would refuse this request, or None."""
    text = lambda: body.get("text", {}).get("content")  # noqa: E731
    if path == "/wecom":
        return None if body.get("msgtype") == "text" and isinstance(text(), str) else "wecom: bad body"
    if path == "/dingtalk":
        if body.get("msgtype") != "text" or not isinstance(text(), str):
            return "dingtalk: bad body"
        ts = int(query["timestamp"][0])   # parse_qs has already url-decoded the sign
        if abs(time.time() * 1000 - ts) > 3600_000:
            return "dingtalk: timestamp out of range"
        want = base64.b64encode(hmac.new(SECRET.encode(), f"{ts}\n{SECRET}".encode(), hashlib.sha256).digest())
        return None if query["sign"][0] == want.decode() else "dingtalk: sign not match"
    if path == "/feishu":
        if body.get("msg_type") != "text" or not isinstance(body.get("content", {}).get("text"), str):
            return "feishu: bad body"
        ts = int(body["timestamp"])
        want = base64.b64encode(hmac.new(f"{ts}\n{SECRET}".encode(), b"", hashlib.sha256).digest()).decode()
        return None if body.get("sign") == want and abs(time.time() - ts) < 3600 else "feishu: sign not match"
    if path == "/webhook":
        return None if isinstance(body.get("text"), str) else "webhook: bad body"
    return "no such path"


class Receiver:
    def __init__(self) -> None:
        self.received: list[dict] = []
        self.fail_next = 0            # answer HTTP 500 to this many requests first
        self.hold = threading.Event()  # while clear (and holding), requests wait: a hung service
        self.hold.set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                receiver.hold.wait(30)
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                parts = urlsplit(self.path)
                if receiver.fail_next > 0:
                    receiver.fail_next -= 1
                    self._answer(500, {"errcode": -1})
                    return
                body = json.loads(raw)
                refusal = _check(parts.path, parse_qs(parts.query), body)
                receiver.received.append({"path": parts.path, "body": body, "refused": refusal,
                                          "content_type": self.headers.get("Content-Type")})
                # The services answer 200 with their own error code when they refuse.
                self._answer(200, {"errcode": 310000, "errmsg": refusal} if refusal else {"errcode": 0})

            def _answer(self, status, obj):
                data = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def accepted(self, path: str) -> list[dict]:
        return [r for r in self.received if r["path"] == path and r["refused"] is None]
