"""Loading a TOML file into a typed model, with errors a person can act on.

Both the kiosk and the community server declare their settings as pydantic models
(``extra="forbid"``: an unknown key is an error, never silently ignored). This module
turns a file into such a model and reports the first problem as one line naming the
file, the key path, the value and what was expected.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

M = TypeVar("M", bound=BaseModel)


class ConfigError(Exception):
    """A configuration problem, already phrased for the person who wrote the file."""


class Section(BaseModel):
    """Base of every config section: unknown keys are errors, values are re-checked on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)


def resolve_relative(base: Path, fields) -> None:
    """Make each ``(section, key)`` path that is set and relative, relative to ``base``
    (the config file's folder), so a config means the same from any working directory."""
    for section, key in fields:
        value = getattr(section, key)
        if value is not None and not value.is_absolute():
            setattr(section, key, base / value)


def _describe(err: dict, source: str) -> str:
    loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-"))
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"{source}: unknown key '{loc}' (check the spelling; see config/ for the documented keys)"
    if kind == "missing":
        return f"{source}: missing required key '{loc}'"
    value = err.get("input")
    msg = err["msg"]
    return f"{source}: key '{loc}' has value {value!r}: {msg}"


def model_from_dict(model: type[M], data: dict, source: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = _describe(errors[0], source)
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise ConfigError(first + more) from None


def load_model(model: type[M], path: str | Path) -> M:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    cfg = model_from_dict(model, data, str(path))
    # Relative paths inside a config file are relative to the file, not the cwd,
    # so a systemd unit and a person at a shell see the same files.
    if hasattr(cfg, "resolve_paths"):
        cfg.resolve_paths(path.parent.resolve())
    return cfg
