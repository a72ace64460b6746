"""What every command of the package's console scripts (`kiosk`, `community-server`) sets
up the same way: its log lines, and a clean stop on Ctrl-C or on systemd's SIGTERM.
"""

from __future__ import annotations

import logging
import signal
import threading

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(level=level, format=LOG_FORMAT)


def stop_event() -> threading.Event:
    """An event SIGINT and SIGTERM set: the command stops what it started and returns,
    instead of dying in the middle of a write with a traceback."""
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    return done


def boot(level: str = "INFO") -> threading.Event:
    """For a command that runs until stopped: logging set up, and the stop event, taken
    before the command starts anything, so a SIGTERM while it starts is a clean stop too
    (not the default action, which kills it mid-start)."""
    setup_logging(level)
    return stop_event()
