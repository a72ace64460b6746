"""Each chat service's request: where to POST and the JSON it documents, with its
signature where it has one.

- WeCom (企业微信) group robot: ``{"msgtype": "text", "text": {"content": ...}}`` to the
  robot's webhook URL (its key is in the URL).
- DingTalk robot: the same body; signed, ``timestamp`` (ms) and ``sign`` go in the URL:
  sign = urlencode(base64(HMAC-SHA256(key=secret, msg=timestamp + "\\n" + secret))).
- Feishu bot: ``{"msg_type": "text", "content": {"text": ...}}``; signed, ``timestamp``
  (s) and ``sign`` go in the body: sign = base64(HMAC-SHA256(key=timestamp + "\\n" +
  secret, msg="")).
- A generic webhook: ``{"text": ..., "source": "gate-checkpoint"}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import quote_plus


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def feishu_sign(secret: str, timestamp_s: int) -> str:
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def build_request(target, text: str, now: float) -> tuple[str, bytes]:
    url = target.url
    if target.type in ("wecom", "dingtalk"):
        body: dict = {"msgtype": "text", "text": {"content": text}}
        if target.type == "dingtalk" and target.secret:
            ts = int(now * 1000)
            url += ("&" if "?" in url else "?") + f"timestamp={ts}&sign={dingtalk_sign(target.secret, ts)}"
    elif target.type == "feishu":
        body = {"msg_type": "text", "content": {"text": text}}
        if target.secret:
            ts = int(now)
            body.update(timestamp=str(ts), sign=feishu_sign(target.secret, ts))
    else:
        body = {"text": text, "source": "gate-checkpoint"}
    return url, json.dumps(body, ensure_ascii=False).encode()
