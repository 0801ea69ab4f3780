"""``e2e serve``: the published site on ``127.0.0.1``, read with the viewer's own credentials.

For anyone with read access to the prefix (an AWS profile, SSO, a role: boto3's credential
chain) and nothing deployed: every page, multi-file Allure report, screenshot and trace is
fetched from the bucket on request and streamed to the browser, with the same
Content-Type table as publishing. ``--to DIR`` serves a local site the same way, because
browsers refuse a multi-file report's data requests from ``file://``.

Paths map to keys as a static site's would: ``/`` and ``…/`` to ``index.html``, an
extension-less path that is a folder (``/latest/main``) is redirected to its slash form so
the page's relative links resolve. Only GET and HEAD; keys never leave the target (no
``..``, no dot files). Only requests for ``127.0.0.1:PORT`` or ``localhost:PORT`` are
answered (421 otherwise): a web page whose DNS name is rebound to 127.0.0.1 reaches the
port but names its own host, and must not read the bucket with the viewer's credentials.
Every answer carries ``security.security_headers`` (CSP, ``sandbox`` for recorded files,
nosniff, no framing). Written on ``http.server`` because a local, single-user viewer needs
nothing more.
"""

from __future__ import annotations

import http.server
import posixpath
import urllib.parse
from collections.abc import Callable

from runner.publish.headers import headers_for
from runner.publish.security import security_headers
from runner.publish.target import PublishError, Target
from runner.serving import serve_in_background

INDEX = "index.html"


def key_for(path: str) -> tuple[str | None, bool]:
    """(key, is_folder_form) for a request path; key None for a path that is not allowed."""
    raw = urllib.parse.unquote(urllib.parse.urlsplit(path).path)
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if any(p.startswith(".") or "\\" in p or "\x00" in p for p in parts):  # .., .git, .env
        return None, False
    key = "/".join(parts)
    if not key:
        return INDEX, True
    if raw.endswith("/"):
        return f"{key}/{INDEX}", True
    return key, False


class _Handler(http.server.BaseHTTPRequestHandler):
    target: Target
    log: Callable[[str], None]
    server_version = "e2e-serve"

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
        self._serve(body=False)

    def do_GET(self) -> None:  # noqa: N802
        self._serve(body=True)

    def _host_allowed(self) -> bool:
        port = self.server.server_address[1]
        return (self.headers.get("Host") or "").lower() in {f"127.0.0.1:{port}", f"localhost:{port}"}

    def end_headers(self) -> None:
        key, _ = key_for(getattr(self, "path", "/"))  # unset when the request line was bad
        for name, value in security_headers(key or "error").items():
            self.send_header(name, value)
        super().end_headers()

    def _serve(self, *, body: bool) -> None:
        if not self._host_allowed():
            return self._plain(
                421, "e2e serve answers only http://127.0.0.1:PORT/ and http://localhost:PORT/"
            )
        key, folder = key_for(self.path)
        if key is None:
            return self._plain(400, "bad path")
        try:
            found = self.target.stream(key)
            if found is None and not folder and not posixpath.splitext(key)[1]:
                if self.target.stat(f"{key}/{INDEX}") is not None:
                    return self._redirect(urllib.parse.urlsplit(self.path).path + "/")
        except PublishError as exc:
            return self._plain(502, str(exc))
        if found is None:
            return self._plain(404, f"not found: {key}")
        blocks, size = found
        headers = headers_for(key)
        self.send_response(200)
        self.send_header("Content-Type", headers.content_type)
        self.send_header("Content-Length", str(size))
        self.send_header("Cache-Control", "no-cache")  # always the bucket's current state
        self.end_headers()
        if body:
            for block in blocks:
                self.wfile.write(block)
        return None

    def _redirect(self, location: str) -> None:
        self.send_response(301)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _plain(self, status: int, text: str) -> None:
        data = (text + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's name
        if args and str(args[1]).startswith(("4", "5")):
            self.log(f"{self.command} {self.path}: {args[1]}")


class SiteServer(http.server.ThreadingHTTPServer):
    daemon_threads = True


def make_server(target: Target, port: int = 0, log: Callable[[str], None] = print) -> SiteServer:
    """A server of ``target`` on ``127.0.0.1:port`` (0: a free port); not started yet."""
    handler = type("Handler", (_Handler,), {"target": target, "log": staticmethod(log)})
    return SiteServer(("127.0.0.1", port), handler)


def serve_in_thread(target: Target, port: int = 0) -> tuple[SiteServer, str]:
    server = make_server(target, port, log=lambda _line: None)
    serve_in_background(server)
    return server, f"http://127.0.0.1:{server.server_address[1]}/"
