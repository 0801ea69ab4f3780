"""A small app with a session-cookie sign-in (not the demo app): the tests' and the sign-in
benchmark's team app.

- ``GET /login``: a form (Username, Password, "Sign in"); ``POST /login`` checks the password
  (PBKDF2, as real apps hash), counts the sign-in per user, sets the cookie ``session`` and
  redirects to ``/home``; a wrong password shows "Wrong username or password".
- ``GET /home``: "Welcome, USER" when signed in, else a redirect to ``/login``.
- every page loads a Django admin page's static files (``admin_assets.py``: five stylesheets,
  four scripts, a logo; about 300 KB, ``max-age`` and an ETag, 304 to ``If-None-Match``), which
  a new context with an empty cache loads again; ``static_requests`` counts what was answered.
- ``GET /books``: a protected page.
- ``GET /forget-sessions``: every session ends, as when the app restarts.
- ``GET /stats``: JSON ``{"sign_ins": {...}, "failed": n, "sessions": [...]}``.

Run it alone with ``python -m tests.apps.signin_app [PORT]`` from the repository.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sys
import threading
import time
import urllib.parse
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from runner.serving import serve_in_background
from tests.apps import admin_assets

SALT = b"e2e-signin-app"
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
HEAD_TAGS</head>
<body>LOGO<main>{body}</main></body></html>""".replace("HEAD_TAGS", admin_assets.head_tags()).replace(
    "LOGO", admin_assets.logo_tag()
)
LOGIN = """<h1>Sign in</h1>{error}<form method="post" action="/login">
<label for="username">Username</label> <input id="username" name="username">
<label for="password">Password</label> <input id="password" name="password" type="password">
<button type="submit">Sign in</button></form>"""
STATIC = {
    "/static/site.css": ("text/css", "body { font-family: sans-serif; }\n" + "/* padding */\n" * 2000),
    "/static/site.js": ("application/javascript", "window.loaded = true;\n" + "// padding\n" * 2000),
    "/favicon.ico": ("image/x-icon", ""),
}


class SignInApp:
    """The app on a loopback port, served from a thread of the calling process."""

    def __init__(
        self,
        users: dict[str, str] | None = None,
        iterations: int = 100_000,
        port: int = 0,
        static_delay: float = 0.0,
    ) -> None:
        self.iterations = iterations
        self.static_delay = static_delay  # seconds before each static file's answer: an app across a network
        self.users = {
            name: self._hash(pw)
            for name, pw in (users or {"admin": "adminpass", "viewer": "viewerpass"}).items()
        }
        self.sessions: dict[str, str] = {}
        self.sign_ins: dict[str, int] = {}
        self.failed = 0
        self.static_requests: dict[int, int] = {}  # status (200, 304) -> admin static files answered
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.thread: threading.Thread | None = None  # serving, once started

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def _hash(self, password: str) -> bytes:
        return hashlib.pbkdf2_hmac("sha256", password.encode(), SALT, self.iterations)

    def start(self) -> SignInApp:
        self.thread = serve_in_background(self.server)
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def forget_sessions(self) -> None:
        with self.lock:
            self.sessions.clear()

    def _handler(self):
        app = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def _send(
                self, status: int, body: str | bytes = "", ctype: str = "text/html; charset=utf-8", headers=()
            ) -> None:
                data = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _user(self) -> str | None:
                cookie = SimpleCookie(self.headers.get("Cookie", ""))
                token = cookie["session"].value if "session" in cookie else None
                with app.lock:
                    return app.sessions.get(token or "")

            def do_GET(self) -> None:
                path = urllib.parse.urlsplit(self.path).path
                user = self._user()
                if path in admin_assets.ASSETS:
                    ctype, data, etag = admin_assets.ASSETS[path]
                    status = 304 if self.headers.get("If-None-Match") == etag else 200
                    if app.static_delay:
                        time.sleep(app.static_delay)
                    with app.lock:
                        app.static_requests[status] = app.static_requests.get(status, 0) + 1
                    headers = [("Cache-Control", admin_assets.CACHE_CONTROL), ("ETag", etag)]
                    self._send(status, data if status == 200 else b"", ctype, headers)
                elif path in STATIC:
                    ctype, body = STATIC[path]
                    self._send(200, body, ctype, [("Cache-Control", "max-age=3600")])
                elif path == "/login":
                    self._send(200, PAGE.format(title="Sign in", body=LOGIN.format(error="")))
                elif path in ("/home", "/books"):
                    if user is None:
                        self._send(303, headers=[("Location", "/login")])
                    elif path == "/home":
                        self._send(200, PAGE.format(title="Home", body=f"<h1>Welcome, {user}</h1>"))
                    else:
                        rows = "".join(f"<li>Book {n}</li>" for n in range(1, 21))
                        self._send(
                            200, PAGE.format(title="Books", body=f"<h1>Books for {user}</h1><ul>{rows}</ul>")
                        )
                elif path == "/forget-sessions":
                    app.forget_sessions()
                    self._send(200, PAGE.format(title="Forgotten", body="<h1>Every session ended</h1>"))
                elif path == "/stats":
                    with app.lock:
                        stats = {
                            "sign_ins": app.sign_ins,
                            "failed": app.failed,
                            "sessions": list(app.sessions),
                        }
                    self._send(200, json.dumps(stats), "application/json")
                elif path == "/":
                    self._send(200, PAGE.format(title="Public", body="<h1>Public page</h1>"))
                else:
                    self._send(404, PAGE.format(title="Not found", body="<h1>Not found</h1>"))

            def do_POST(self) -> None:
                if urllib.parse.urlsplit(self.path).path != "/login":
                    self._send(404)
                    return
                length = int(self.headers.get("Content-Length", "0"))
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                name = form.get("username", [""])[0]
                given = app._hash(form.get("password", [""])[0])
                if name in app.users and secrets.compare_digest(app.users[name], given):
                    token = secrets.token_urlsafe(24)
                    with app.lock:
                        app.sessions[token] = name
                        app.sign_ins[name] = app.sign_ins.get(name, 0) + 1
                    self._send(
                        303,
                        headers=[("Location", "/home"), ("Set-Cookie", f"session={token}; Path=/; HttpOnly")],
                    )
                else:
                    with app.lock:
                        app.failed += 1
                    error = '<p role="alert">Wrong username or password</p>'
                    self._send(200, PAGE.format(title="Sign in", body=LOGIN.format(error=error)))

        return Handler


if __name__ == "__main__":
    served = SignInApp(port=int(sys.argv[1]) if len(sys.argv) > 1 else 8765).start()
    print(f"serving {served.url}", flush=True)
    served.thread.join()
