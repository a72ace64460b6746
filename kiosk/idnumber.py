"""Chinese resident ID numbers: the contract lives in ``sync.idnumber`` (the server
masks them too); this name stays for the kiosk's imports."""

from sync.idnumber import (IdNumber, IdNumberError, check_digit, find_in_text, keyed_hash,  # noqa: F401
                           looks_like_id_number, mask, mask_in_text, parse)
