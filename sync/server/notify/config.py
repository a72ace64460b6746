"""The ``[notify]`` section: where alerts are pushed and how sending retries."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from sync.configfile import Section


class NotifyTarget(Section):
    type: Literal["wecom", "dingtalk", "feishu", "webhook"] = Field(
        description="wecom: 企业微信 group robot; dingtalk: 钉钉 robot; feishu: 飞书 bot; webhook: generic JSON POST")
    url: str = Field(description="The robot's webhook address, its key or token included (kept out of logs)")
    secret: str | None = Field(None, description="dingtalk/feishu: the robot's signing secret (加签); "
                               "needed when the robot is set to check signatures")
    name: str | None = Field(None, description="Shown on the gates page (default: the type)")

    @field_validator("url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        parts = urlsplit(v)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("an http:// or https:// address, such as https://oapi.dingtalk.com/robot/send?access_token=...")
        return v

    @model_validator(mode="after")
    def _secret_only_where_signed(self) -> "NotifyTarget":
        if self.secret and self.type not in ("dingtalk", "feishu"):
            raise ValueError(f"secret: a {self.type} target has no signature; leave it out")
        return self

    @property
    def label(self) -> str:
        return self.name or self.type


class NotifySection(Section):
    targets: list[NotifyTarget] = Field(default_factory=list, description="Where fever and quarantine-exit alerts "
                                        "are pushed ([[notify.targets]] tables); none: nothing is pushed")
    timeout_s: float = Field(5.0, gt=0, le=60, description="Time allowed for one send, s")
    retries: int = Field(5, ge=0, le=20, description="Sends again after a failure this many times")
    retry_first_s: float = Field(1.0, gt=0, le=60, description="Wait before the first retry, s; doubles each time")
    retry_max_s: float = Field(60.0, gt=0, le=3600, description="Longest wait between retries, s")
    queue_max: int = Field(1000, ge=10, le=100_000, description="Alerts waiting to be sent; beyond it they are "
                           "dropped and logged (still shown in the console)")

    @model_validator(mode="after")
    def _distinct_labels(self) -> "NotifySection":
        labels = [t.label for t in self.targets]
        if len(set(labels)) != len(labels):
            raise ValueError("two notify targets of the same type need a name each")
        return self
