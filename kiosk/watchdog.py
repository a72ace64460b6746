"""systemd's service notification: READY=1 once serving, WATCHDOG=1 while alive.

The protocol is one datagram of ``KEY=VALUE`` lines to the unix socket named by
``$NOTIFY_SOCKET`` (a leading ``@`` means the abstract namespace), so no library is
needed. Outside systemd the variable is unset and every call does nothing.

The watchdog is pinged by the checkpoint loop after each step it completes, never from
a timer of its own: a timer would keep pinging while the loop that decides is hung, and
systemd would never restart it.
"""

from __future__ import annotations

import logging
import os
import socket
import time

log = logging.getLogger(__name__)


_backed_up = False     # the listener's queue was full: said once until it drains


def notify(message: str, env: dict[str, str] | None = None) -> bool:
    """Send one notification; True if it was sent. Never waits: a listener that stops
    reading fills its queue, and a blocking send would then hang the checkpoint loop
    that pings from here (and with it the gate). A dropped ping is what a hung kiosk
    looks like to systemd, which is the truth if nobody reads them."""
    global _backed_up
    env = os.environ if env is None else env
    address = env.get("NOTIFY_SOCKET")
    if not address or address[0] not in "/@":
        return False
    if address[0] == "@":
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto(message.encode(), socket.MSG_DONTWAIT, address)
        _backed_up = False
        return True
    except BlockingIOError:
        if not _backed_up:
            log.warning("systemd's notification socket %s is full; notifications are dropped until it drains",
                        env.get("NOTIFY_SOCKET"))
        _backed_up = True
        return False
    except OSError as exc:
        log.warning("could not notify systemd (%s): %s", message.split("=")[0], exc)
        return False


def watchdog_interval_s(env: dict[str, str] | None = None, pid: int | None = None) -> float | None:
    """The watchdog period systemd expects of this process, or None when there is none."""
    env = os.environ if env is None else env
    try:
        usec = int(env.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    owner = env.get("WATCHDOG_PID")
    if owner and owner.isdigit() and int(owner) != (os.getpid() if pid is None else pid):
        return None     # meant for another process of the service
    return usec / 1e6 if usec > 0 else None


class Watchdog:
    """Pings at most four times per watchdog period, however often ``alive`` is called."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.env = dict(os.environ if env is None else env)
        self.interval_s = watchdog_interval_s(self.env)
        self._every = self.interval_s / 4 if self.interval_s else None
        self._last = float("-inf")
        self.pings = 0

    @property
    def enabled(self) -> bool:
        return self._every is not None

    def ready(self, status: str = "") -> None:
        notify("READY=1" + (f"\nSTATUS={status}" if status else ""), self.env)

    def stopping(self) -> None:
        notify("STOPPING=1", self.env)

    def alive(self) -> None:
        """Call from the loop whose progress proves the service works."""
        if self._every is None:
            return
        now = time.monotonic()
        if now - self._last >= self._every:
            self._last = now
            if notify("WATCHDOG=1", self.env):
                self.pings += 1
