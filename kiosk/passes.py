"""Moved to ``sync/passes.py``: the contract both ends share lives in sync/. This name
stays an alias of that module (the same object, so patching either patches both)."""

import sys

from sync import passes as _moved

sys.modules[__name__] = _moved
