"""The console's settings: the ``[console]`` section of the server's config file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from sync.configfile import Section
from sync.topics import check_name


class ConsoleSection(Section):
    enabled: bool = Field(True, description="Serve the administrators' web console at /console/")
    language: Literal["zh", "en"] = Field("zh", description="Language shown until a user picks another")
    timezone: str = Field("Asia/Shanghai", description="Time zone of the times shown and typed in the console")
    lockout_failures: int = Field(5, ge=1, le=100, description="Wrong passwords in a row that lock an account")
    lockout_minutes: float = Field(15.0, gt=0, le=7 * 24 * 60, description="How long a locked account stays locked, minutes")
    session_hours: float = Field(12.0, gt=0, le=24 * 30, description="A login lasts this long, hours")
    page_size: int = Field(50, ge=10, le=1000, description="Entries per page in the entries table")
    overstay_grace_minutes: float = Field(30.0, ge=0, le=24 * 60, description="A visitor still in this long "
                                          "after their pass ended raises an overstay alert, minutes")
    refresh_s: float = Field(3.0, ge=0.5, le=300, description="How often open pages fetch new entries and alerts, s")
    pass_valid_days: int = Field(365, ge=1, le=3650, description="Validity of a newly issued pass, days")
    site: str = Field("demo-site", description="Site id of the passes and the registry this console issues; "
                      "the same as the kiosks' [kiosk] site")
    pass_key_file: Path | None = Field(None, description="Ed25519 key signing community passes "
                                       "(default: <state_dir>/pass-key.pem, created on first use)")
    pass_key_id: str | None = Field(None, description="Key id the kiosks know the pass key by (default: from the key)")
    secure_cookies: bool = Field(False, description="Send the session cookie over HTTPS only, always; it is "
                                 "sent Secure anyway on every request that came over HTTPS")
    proxy_hops: int = Field(0, ge=0, le=5, description="Reverse proxies in front of the console that do its TLS "
                            "(nginx, Caddy): their X-Forwarded-Proto/-For/-Host are trusted, so a request that "
                            "came over HTTPS is known as one. 0: no proxy, those headers are ignored")

    _check_site = field_validator("site")(check_name)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r}; use an IANA name such as Asia/Shanghai") from None
        return v
