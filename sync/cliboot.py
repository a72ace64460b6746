"""What every command of the package's console scripts (`kiosk`, `community-server`) sets
up the same way: its log lines, and a clean stop on Ctrl-C or on systemd's SIGTERM.
"""

from __future__ import annotations

import logging
import signal
import threading
from contextlib import contextmanager
from typing import Iterator

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(level=level, format=LOG_FORMAT)


SIGNALS = (signal.SIGINT, signal.SIGTERM)


def stop_event() -> threading.Event:
    """An event SIGINT and SIGTERM set: the command stops what it started and returns,
    instead of dying in the middle of a write with a traceback."""
    done = threading.Event()
    for sig in SIGNALS:
        signal.signal(sig, lambda *_: done.set())
    return done


@contextmanager
def stopping() -> Iterator[threading.Event]:
    """``stop_event()`` for a while, the handlers before put back on the way out: for a
    command that may run inside another program (the demo, under the tests)."""
    before = {sig: signal.getsignal(sig) for sig in SIGNALS}
    try:
        yield stop_event()
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def boot(level: str = "INFO") -> threading.Event:
    """For a command that runs until stopped: logging set up, and the stop event, taken
    before the command starts anything, so a SIGTERM while it starts is a clean stop too
    (not the default action, which kills it mid-start)."""
    setup_logging(level)
    return stop_event()
