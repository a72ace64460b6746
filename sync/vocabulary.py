"""The words for what a gate decided and why, in Chinese and English: one catalogue
(``vocabulary.json``) read by the kiosk's touchscreen, the console, the exports and the
daily report, so an entry reads the same wherever a person meets it. Also every reason
code an entry can carry and its severity, the decision it leads to.

Also the site's time zone as people name it (北京时间 / UTC+8), which every shown time carries.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

LANGUAGES = ("zh", "en")
KINDS = ("decision", "direction", "reason")

DENY, REFER, NOTE = "deny", "refer", "admit"

#: Every reason code the kiosk's policy (kiosk/policy.py) gives, and what it leads to:
#: the worst of an entry's reasons decides it.
SEVERITY: dict[str, str] = {
    "fever": DENY,
    "bad_signature": DENY,
    "unknown_key": DENY,
    "malformed_pass": DENY,
    "revoked": DENY,
    "expired": DENY,
    "not_yet_valid": DENY,
    "wrong_site": DENY,
    "quarantine_exit": DENY,
    "outside_hours": DENY,
    "visitor_declared_risk": DENY,
    "passback": DENY,           # or refer, by config
    "unknown_code": REFER,
    "unknown_card": REFER,
    "malformed_code": REFER,
    "empty_code": REFER,
    "invalid_id_number": REFER,
    "id_number_unverified": REFER,
    "visitor_unregistered": REFER,
    "visitor_self_registered": REFER,
    "visitor_unscreened": REFER,     # a phone pass without the answers screening asks for
    "no_temperature": REFER,
    "misread_temperature": REFER,
    # Screening in record mode: the person passes, the entry says what was seen.
    "fever_recorded": NOTE,
    "no_temperature_recorded": NOTE,
}
#: Reasons that never come from the policy but appear on entries.
OTHER_REASONS = ("override", "quarantine_return")
#: Reasons the office is alerted to when the kiosk denied for them...
ALERT_ON_DENY = ("fever", "quarantine_exit")
#: ...and whatever the kiosk decided.
ALWAYS_ALERT = ("fever_recorded",)

_DATA = Path(__file__).with_name("vocabulary.json")
# Zones with a name people use; any other is said by its offset alone.
_ZONE_NAMES = {"Asia/Shanghai": {"zh": "北京时间", "en": "Beijing time"},
               "Asia/Urumqi": {"zh": "乌鲁木齐时间", "en": "Urumqi time"}}


@lru_cache(maxsize=1)
def _words() -> dict[str, dict[str, dict[str, str]]]:
    return json.loads(_DATA.read_text("utf-8"))


def words(kind: str, lang: str) -> dict[str, str]:
    """{code: word} for one kind (decision, direction, reason) in one language."""
    if lang not in LANGUAGES:
        raise ValueError(f"no vocabulary for language {lang!r}; have {', '.join(LANGUAGES)}")
    return dict(_words()[lang][kind])


def word(kind: str, code: str, lang: str) -> str:
    """One code's word; an unknown code is shown as itself rather than hidden."""
    return _words()[lang][kind].get(code, code)


def flat(lang: str) -> dict[str, str]:
    """Every word keyed 'kind.code' (decision.admit, reason.fever), as the catalogues key them."""
    return {f"{kind}.{code}": text for kind in KINDS for code, text in _words()[lang][kind].items()}


def utc_offset(tz: ZoneInfo, at: datetime | None = None) -> str:
    """'UTC+8', 'UTC-3:30', 'UTC' for the zone's offset at a moment (now by default)."""
    delta = (at or datetime.now(tz)).astimezone(tz).utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta else 0
    if minutes == 0:
        return "UTC"
    sign, minutes = ("+" if minutes > 0 else "-"), abs(minutes)
    return f"UTC{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")


def zone_label(tz: ZoneInfo, lang: str, at: datetime | None = None) -> str:
    """'北京时间 UTC+8' for Asia/Shanghai; 'UTC+3' for a zone without a common name."""
    name = _ZONE_NAMES.get(str(tz), {}).get(lang)
    offset = utc_offset(tz, at)
    return f"{name} {offset}" if name else offset
