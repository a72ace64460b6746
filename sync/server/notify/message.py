"""The words of an alert in the group chat: Chinese, short, and never an ID number or a
full name (only the household, the gate, the time and the reading)."""

from __future__ import annotations

from datetime import datetime

from sync import vocabulary

PUSHED = ("fever", "fever_recorded", "quarantine_exit")


def is_alert(entry: dict) -> bool:
    return any(r in PUSHED for r in entry.get("reasons") or ())


def _local(iso, tz) -> str:
    try:
        return datetime.fromisoformat(str(iso).replace("Z", "+00:00")).astimezone(tz).strftime("%m-%d %H:%M:%S")
    except ValueError:
        return ""


def overstay_text(site: str, gate: str, entry: dict, tz) -> str:
    """A visitor admitted at ``gate`` and not seen out by the end of their pass."""
    cred = entry.get("credential") if isinstance(entry.get("credential"), dict) else {}
    zone = vocabulary.zone_label(tz, "zh")
    lines = [f"【{vocabulary.word('reason', 'overstay', 'zh')}】{site} {gate}",
             f"进入：{_local(entry.get('ts'), tz)}（{zone}）",
             f"通行证截止：{_local(cred.get('valid_until'), tz)}（{zone}）"]
    if isinstance(cred.get("household"), str) and cred["household"]:
        lines.append(f"住户：{cred['household']}")
    lines.append("请工作人员核实访客是否已离开，并在管理台确认。")
    return "\n".join(lines)


def alert_text(site: str, gate: str, entry: dict, tz) -> str:
    reasons = [r for r in entry.get("reasons") or () if isinstance(r, str)]
    title = "发热警报" if any(r.startswith("fever") for r in reasons) else "隔离外出警报"
    when = _local(entry.get("ts"), tz)
    cred = entry.get("credential") if isinstance(entry.get("credential"), dict) else {}
    household = cred.get("household") if isinstance(cred.get("household"), str) else ""
    temp = entry.get("temperature") if isinstance(entry.get("temperature"), dict) else {}
    lines = [f"【{title}】{site} {gate}",
             f"时间：{when}（{vocabulary.zone_label(tz, 'zh')}）",
             f"结果：{vocabulary.word('decision', str(entry.get('decision')), 'zh')}"
             f"（{'、'.join(vocabulary.word('reason', r, 'zh') for r in reasons)}）"]
    if household:
        lines.append(f"住户：{household}")
    if isinstance(temp.get("value_c"), (int, float)):
        lines.append(f"体温：{temp['value_c']:.1f} °C")
    lines.append("请工作人员尽快处理，并在管理台确认。")
    return "\n".join(lines)
