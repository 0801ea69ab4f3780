"""Tiny HTTP servers on loopback for tests: one answers every GET with one status and records
each request's path and headers; ``webhook`` receives JSON POSTs (answering a status, or never)."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from runner.serving import serve_in_background


@dataclass
class Recorded:
    url: str
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)


@contextmanager
def loopback_server(status: int = 200, body: bytes = b"ok") -> Iterator[Recorded]:
    recorded = Recorded("")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            recorded.requests.append((self.path, dict(self.headers)))
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorded.url = f"http://127.0.0.1:{server.server_address[1]}/"
    serve_in_background(server)
    try:
        yield recorded
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def webhook(status: int = 200, *, hang: bool = False) -> Iterator[tuple[str, list[dict]]]:
    """(URL, the JSON bodies received): answers ``status``, or never (``hang``) until closed.
    The URL's path ends in ``SECRET``, as a webhook's token would."""
    received: list[dict] = []
    release = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append(json.loads(body))
            if hang:
                release.wait(30)
                return
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    serve_in_background(server)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/T0/SECRET", received
    finally:
        release.set()
        server.shutdown()
        server.server_close()
