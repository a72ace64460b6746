"""What the server pushed to this kiosk: the codes it knows. Kept on disk, used offline."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


class RegistryError(Exception):
    pass


@dataclass
class Registry:
    version: int = 0
    known_codes: dict[str, dict] = field(default_factory=dict)   # code text -> {"household":..., "role":...}

    @classmethod
    def load(cls, path: str | Path | None) -> "Registry":
        if path is None:
            return cls()
        path = Path(path)
        try:
            data = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            raise RegistryError(f"{path}: registry file not found") from None
        except json.JSONDecodeError as exc:
            raise RegistryError(f"{path}: invalid JSON: {exc}") from None
        return cls(int(data.get("version", 0)), dict(data.get("known_codes", {})))

    def lookup(self, text: str) -> dict | None:
        return self.known_codes.get(text)
