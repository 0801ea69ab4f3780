"""An app whose one page loads static files served with different caching headers, counting
every request it answers (the static-cache tests' app).

``GET /page``: "Assets page", a stylesheet per rule in ``ASSETS``, ``/a/fresh.js`` (writes
"script ran" into ``#script``), an image, and an inline script showing what the scenario's
context brought along: ``#storage`` is "visits before: N" from localStorage; ``#cookie`` says
whether the request for the page carried the cookie ``/a/cookie.css`` sets.
"""

from __future__ import annotations

import base64
import threading
import urllib.parse
from collections import Counter
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from time import time

from runner.serving import serve_in_background

# A 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
TEN_DAYS_AGO = formatdate(time() - 10 * 86400, usegmt=True)
# path -> (status, headers); every stylesheet sets a rule, so a page can tell it applied.
ASSETS: dict[str, tuple[int, list[tuple[str, str]]]] = {
    "/a/fresh.css": (200, [("Cache-Control", "max-age=3600"), ("ETag", '"fresh-1"')]),
    "/a/heuristic.css": (200, [("Last-Modified", TEN_DAYS_AGO)]),
    "/a/nostore.css": (200, [("Cache-Control", "no-store")]),
    "/a/cookie.css": (200, [("Cache-Control", "max-age=3600"), ("Set-Cookie", "seen=1; Path=/")]),
    "/a/vary.css": (200, [("Cache-Control", "max-age=3600"), ("Vary", "Cookie")]),
    "/a/missing.css": (404, [("Cache-Control", "max-age=3600")]),
    "/a/expired.css": (200, [("Cache-Control", "max-age=0"), ("ETag", '"expired-1"')]),
    "/a/nocache.css": (200, [("Cache-Control", "no-cache, max-age=3600"), ("ETag", '"nocache-1"')]),
}
SCRIPT_HEADERS = [("Cache-Control", "max-age=3600")]
IMAGE_HEADERS = [("Cache-Control", "max-age=3600"), ("Last-Modified", TEN_DAYS_AGO)]
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Assets</title>
{links}<script src="/a/fresh.js"></script></head>
<body><h1>Assets page</h1><p id="script">script did not run</p><p id="cookie">{cookie}</p>
<p id="storage"></p><img src="/a/fresh.png" alt="dot" width="1" height="1">
<script>
const before = Number(localStorage.getItem("visits") || 0);
document.getElementById("storage").textContent = "visits before: " + before;
localStorage.setItem("visits", String(before + 1));
</script></body></html>"""


class StaticAssetsApp:
    """The app on a loopback port, served from a thread of the calling process.

    ``requests`` counts ``(method, path, status)``; ``with_auth`` counts paths asked with an
    ``Authorization`` header."""

    def __init__(self) -> None:
        self.requests: Counter[tuple[str, str, int]] = Counter()
        self.with_auth: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> StaticAssetsApp:
        serve_in_background(self.server)
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def count(self, path: str, status: int = 200, method: str = "GET") -> int:
        with self.lock:
            return self.requests[(method, path, status)]

    def _handler(self):
        app = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def _send(self, status: int, body: bytes, ctype: str, headers=()) -> None:
                with app.lock:
                    app.requests[(self.command, urllib.parse.urlsplit(self.path).path, status)] += 1
                    if self.headers.get("Authorization"):
                        app.with_auth[urllib.parse.urlsplit(self.path).path] += 1
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                path = urllib.parse.urlsplit(self.path).path
                if path == "/page":
                    links = "".join(f'<link rel="stylesheet" href="{p}">\n' for p in ASSETS)
                    cookie = "cookie sent" if "seen=1" in self.headers.get("Cookie", "") else "no cookie"
                    self._send(
                        200, PAGE.format(links=links, cookie=cookie).encode(), "text/html; charset=utf-8"
                    )
                elif path in ASSETS:
                    status, headers = ASSETS[path]
                    etag = dict(headers).get("ETag")
                    if etag and self.headers.get("If-None-Match") == etag:
                        self._send(304, b"", "text/css", headers)
                        return
                    name = path.rsplit("/", 1)[1].split(".")[0]
                    self._send(status, f"#{name}-rule {{ color: red; }}\n".encode(), "text/css", headers)
                elif path == "/a/fresh.js":
                    body = b'document.addEventListener("DOMContentLoaded", () => {'
                    body += b' document.getElementById("script").textContent = "script ran"; });\n'
                    self._send(200, body, "application/javascript", SCRIPT_HEADERS)
                elif path == "/a/fresh.png":
                    self._send(200, PNG, "image/png", IMAGE_HEADERS)
                else:
                    self._send(404, b"not found", "text/plain")

            def do_POST(self) -> None:
                self._send(200, b"posted", "text/plain", SCRIPT_HEADERS)

        return Handler
