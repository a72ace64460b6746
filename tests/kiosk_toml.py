"""kiosk.toml text for tests that start the kiosk as a program: the simulated devices by
default, each test giving only the sections it is about."""

from __future__ import annotations

import json

SIM_DEVICES = {"camera": {"type": "sim"}, "thermometer": {"type": "sim"}, "relay": {"type": "sim"}}


def kiosk_toml(**sections: dict) -> str:
    """The simulated devices merged with `sections` (`ui={"port": 0}`), as TOML; values
    are written as JSON, which is valid TOML for strings, numbers and booleans, and a
    dict as an inline table."""
    merged: dict[str, dict] = {name: dict(values) for name, values in SIM_DEVICES.items()}
    for name, values in sections.items():
        merged.setdefault(name, {}).update(values)
    lines = []
    for name, values in merged.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {_value(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def _value(value) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)
