"""This kiosk's own secret: the key of the keyed hashes that stand in for ID numbers
and plain codes in the journal, and of the day passes it gives registered visitors.

Made on first start in ``state_dir`` with 0600 permissions; never leaves the kiosk.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from sync.privatefile import write_private

SECRET_FILE = "kiosk.secret"
SECRET_LEN = 32


def load_or_create(state_dir: str | Path) -> bytes:
    path = Path(state_dir) / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    data = secrets.token_bytes(SECRET_LEN)
    try:
        write_private(path, data, exclusive=True, durable=True)
    except FileExistsError:
        data = path.read_bytes()
        if len(data) != SECRET_LEN:
            raise RuntimeError(f"{path}: damaged kiosk secret ({len(data)} bytes, expected {SECRET_LEN})")
    return data
