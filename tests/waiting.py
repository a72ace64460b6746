"""The suite's one way to wait: on a state, never a fixed sleep followed by an assert."""

from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float, what: str, interval: float = 0.05) -> T:
    """Return the predicate's first truthy value; fail the test naming ``what`` if none
    comes within ``timeout`` seconds. The predicate is tried once more at the deadline so
    a slow machine that got there just in time is not failed."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"waited {timeout:g} s for {what}; it never happened")
        time.sleep(interval)
