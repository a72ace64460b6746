"""Chinese resident ID numbers (GB 11643-1999): check, mask, and keyed hash.

Shared by the kiosk and the server (sync imports nothing of the kiosk). The number is
never kept in clear: it is matched by an HMAC with the kiosk's own secret and shown
masked (110101********123X); free text is searched for numbers to refuse or mask.
"""

from __future__ import annotations

import hmac
import hashlib
import re
from dataclasses import dataclass
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"      # ISO 7064 MOD 11-2, indexed by the weighted sum mod 11
_SHAPE = re.compile(r"^[1-9]\d{16}[\dX]$")
_INSIDE = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[\dXx](?![0-9A-Za-z])")


class IdNumberError(ValueError):
    pass


@dataclass(frozen=True)
class IdNumber:
    number: str             # normalised: 18 characters, upper-case X

    @property
    def masked(self) -> str:
        return mask(self.number)

    def keyed_hash(self, secret: bytes) -> str:
        return keyed_hash(secret, "id:" + self.number)


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS)) % 11]


def looks_like_id_number(text: str) -> bool:
    return len(text.strip()) == 18 and _SHAPE.match(text.strip().upper()) is not None


def parse(text: str) -> IdNumber:
    """Validate a typed or scanned ID number. Pure; raises IdNumberError with the reason."""
    n = text.strip().replace(" ", "").upper()
    if not _SHAPE.match(n):
        raise IdNumberError("an ID number is 17 digits and a check digit (0-9 or X)")
    try:
        born = date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError:
        raise IdNumberError("the birth date in the ID number is not a date") from None
    if born.year < 1900:
        raise IdNumberError("the birth date in the ID number is before 1900")
    if check_digit(n[:17]) != n[17]:
        raise IdNumberError("the check digit does not match: a digit was mistyped")
    return IdNumber(n)


def find_in_text(text: str) -> list[str]:
    """The valid ID numbers written anywhere in a text (a note, a spreadsheet cell), so
    they can be refused before they are stored in clear. Pure."""
    found = []
    for m in _INSIDE.finditer(text or ""):
        try:
            found.append(parse(m.group()).number)
        except IdNumberError:
            pass
    return found


def mask_in_text(text: str) -> tuple[str, int]:
    """``text`` with every valid ID number in it masked, and how many there were: for
    free text (a name, a reason, a place) that must never keep one in clear. Pure."""
    count = 0

    def _masked(m: re.Match) -> str:
        nonlocal count
        try:
            number = parse(m.group()).number
        except IdNumberError:
            return m.group()
        count += 1
        return mask(number)

    return _INSIDE.sub(_masked, text or ""), count


def mask(number: str) -> str:
    """First six (the region) and last four kept, the birth date hidden."""
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def keyed_hash(secret: bytes, text: str) -> str:
    return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()
