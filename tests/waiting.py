"""The suite's one way to wait: on a state, never a fixed sleep followed by an assert."""

from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float, what: str | Callable[[], str],
               interval: float = 0.05) -> T:
    """Return the predicate's first truthy value; fail the test naming ``what`` if none
    comes within ``timeout`` seconds. The predicate is tried once more at the deadline so
    a slow machine that got there just in time is not failed.

    ``what`` may be a callable, asked only on failure, to say what the state was then."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"waited {timeout:g} s for {what() if callable(what) else what}; it never happened")
        time.sleep(interval)


def holds_for(predicate: Callable[[], object], seconds: float, what: str | Callable[[], str],
              interval: float = 0.05) -> None:
    """Check that something does NOT happen: ``predicate`` stays truthy for ``seconds``, or the
    test fails naming ``what`` at the first moment it is not. A loaded machine can only make
    this check weaker, never make it fail by itself."""
    deadline = time.monotonic() + seconds
    while True:
        if not predicate():
            raise AssertionError(f"expected {what() if callable(what) else what} to hold for {seconds:g} s; it stopped")
        if time.monotonic() >= deadline:
            return
        time.sleep(interval)
