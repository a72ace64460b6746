"""A waitress server on a thread of its own, that stops cleanly.

Both the kiosk's touchscreen and the community server serve Flask this way. waitress's
``close()`` called from another thread races the ``select()`` of its loop: the loop can
wake on a descriptor just closed and die of EBADF with a traceback, now and then
(Pylons/waitress#468, unreleased fix). So the stop is handed to the loop itself through
waitress's trigger, and the loop closes every socket between two polls.
"""

from __future__ import annotations

import logging
import threading

from waitress import create_server, wasyncore

log = logging.getLogger(__name__)


class BackgroundServer:
    def __init__(self, app, *, name: str, host: str, port: int, **options) -> None:
        self._server = create_server(app, host=host, port=port, **options)
        self.port: int = self._server.effective_port
        self._thread = threading.Thread(target=self._server.run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Let the running requests finish (event streams end when their program says it is
        stopping), then close every socket from inside the loop."""
        server = self._server
        # First the workers: a worker finishing its response wakes the loop through the
        # trigger, which must still be open then.
        server.task_dispatcher.shutdown(timeout=timeout)
        if self._thread.is_alive():
            # Runs on the loop's thread: closing the listener, the open connections and the
            # trigger empties the loop's map, and the loop returns.
            try:
                server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
            except OSError:
                pass        # the trigger is closed: the loop has already closed everything
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("%s: the HTTP loop did not stop within %.0f s", self._thread.name, timeout)
        else:
            server.close()
