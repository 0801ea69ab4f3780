"""An ``http.server`` served from a daemon thread, stopped at once by ``shutdown()``.

``serve_forever`` looks for ``shutdown()`` between polls, every 0.5 s unless told otherwise, so
every stop of a server started the plain way waited a quarter of a second on average: at the
end of each run against the demo app, and at every server a test stops. The poll here is
0.02 s (an idle server's wake-up costs microseconds).
"""

from __future__ import annotations

import socketserver
import threading

STOP_POLL_S = 0.02


def serve_in_background(server: socketserver.BaseServer, name: str | None = None) -> threading.Thread:
    """Start serving ``server`` in a daemon thread (returned, started); ``server.shutdown()``
    then returns within ``STOP_POLL_S``."""
    thread = threading.Thread(target=server.serve_forever, args=(STOP_POLL_S,), name=name, daemon=True)
    thread.start()
    return thread
