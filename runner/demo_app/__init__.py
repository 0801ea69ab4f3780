"""A small bookshop web app that the example features test when no other app is given.

It runs on the standard library only, in a daemon thread, so the runner can start it
for a test session without any extra dependency::

    app = start()          # a free loopback port
    print(app.url)         # http://127.0.0.1:41234
    app.stop()

``python -m runner.demo_app --port 8000`` serves it in the foreground.

Pages, each worth a kind of test:

====================  =======================================================
``/``                 home page with navigation, headings and lists
``/login``            sign-in form with server-side validation (``demo`` /
                      ``s3cret``); success leads to ``/account``
``/search``           results filled by JavaScript after a delay, from
                      ``/api/search?q=``, with a "no results" message
``/signup``           three-step sign-up wizard with back/next and validation
``/ja``               a page in Japanese (``lang="ja"``); ``/ja/contact`` is a
                      Japanese contact form
``/broken``           always answers HTTP 500
``/slow?ms=N``        answers after N milliseconds
``/healthz``          ``{"status": "ok"}`` for readiness checks
====================  =======================================================
"""

from __future__ import annotations

import json
import secrets
import sys
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from runner.demo_app import pages
from runner.serving import serve_in_background

__all__ = ["USERS", "DemoApp", "start"]

#: Accounts the sign-in form accepts: username -> (password, display name).
USERS: dict[str, tuple[str, str]] = {
    "demo": ("s3cret", "Demo User"),
    "ada": ("analytical-engine", "Ada Lovelace"),
}

#: The search catalogue: title, author, year.
CATALOGUE: tuple[tuple[str, str, int], ...] = (
    ("The Pragmatic Programmer", "David Thomas, Andrew Hunt", 1999),
    ("Clean Code", "Robert C. Martin", 2008),
    ("Python Crash Course", "Eric Matthes", 2015),
    ("Fluent Python", "Luciano Ramalho", 2015),
    ("Effective Python", "Brett Slatkin", 2015),
    ("Refactoring", "Martin Fowler", 1999),
    ("Domain-Driven Design", "Eric Evans", 2003),
    ("Test-Driven Development by Example", "Kent Beck", 2002),
    ("Designing Data-Intensive Applications", "Martin Kleppmann", 2017),
    ("Continuous Delivery", "Jez Humble, David Farley", 2010),
    ("Structure and Interpretation of Computer Programs", "Harold Abelson, Gerald Jay Sussman", 1985),
    ("吾輩は猫である", "夏目漱石", 1905),
    ("こころ", "夏目漱石", 1914),
)

_STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}

# A slow page must not pin a thread for ever when a test asks for an absurd delay.
_MAX_SLOW_MS = 120_000
_SESSION_COOKIE = "demo_session"


def search_catalogue(query: str) -> list[dict[str, object]]:
    """Books whose title or author contains ``query`` (case-insensitive)."""
    needle = query.strip().casefold()
    if not needle:
        return []
    return [
        {"title": title, "author": author, "year": year}
        for title, author, year in CATALOGUE
        if needle in title.casefold() or needle in author.casefold()
    ]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Browsers keep idle connections open; stop() must not wait for them.
    block_on_close = False

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self.sessions: dict[str, tuple[str, bool]] = {}
        self.sessions_lock = threading.Lock()
        self.stopping = threading.Event()

    def handle_error(self, request: object, client_address: object) -> None:
        # A browser that closes a connection early (a test ends while /slow is
        # answering) is normal; anything else is a bug in the app and worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "DemoBookshop/1.0"
    # Idle keep-alive connections would otherwise hold a thread until the browser exits.
    timeout = 30

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        # The runner's output is the test report; a line per request would drown it.
        return

    # -- plumbing -----------------------------------------------------------------

    def _send(
        self,
        status: int,
        body: bytes | str,
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _redirect(self, location: str, headers: dict[str, str] | None = None) -> None:
        self._send(HTTPStatus.SEE_OTHER, "", headers={"Location": location, **(headers or {})})

    def _json(self, payload: object, status: int = HTTPStatus.OK) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False), "application/json; charset=utf-8")

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", errors="replace") if length else ""
        return {key: values[0] for key, values in parse_qs(raw, keep_blank_values=True).items()}

    def _session(self) -> tuple[str, bool] | None:
        cookie = SimpleCookie(self.headers.get("Cookie") or "")
        morsel = cookie.get(_SESSION_COOKIE)
        if morsel is None:
            return None
        with self.server.sessions_lock:
            return self.server.sessions.get(morsel.value)

    # -- routing ------------------------------------------------------------------

    def do_HEAD(self) -> None:  # noqa: N802 - stdlib naming
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        routes: dict[str, Callable[[dict[str, str]], None]] = {
            "/": lambda q: self._send(HTTPStatus.OK, pages.home()),
            "/login": lambda q: self._send(HTTPStatus.OK, pages.login()),
            "/account": self._get_account,
            "/search": lambda q: self._send(HTTPStatus.OK, pages.search()),
            "/api/search": self._get_api_search,
            "/signup": lambda q: self._send(HTTPStatus.OK, pages.signup()),
            "/ja": lambda q: self._send(HTTPStatus.OK, pages.japanese_home()),
            "/ja/contact": lambda q: self._send(HTTPStatus.OK, pages.japanese_contact()),
            "/broken": lambda q: self._send(HTTPStatus.INTERNAL_SERVER_ERROR, pages.server_error()),
            "/slow": self._get_slow,
            "/healthz": lambda q: self._json({"status": "ok"}),
        }
        path = url.path.rstrip("/") or "/"
        handler = routes.get(path)
        if handler is not None:
            handler(query)
        elif url.path.startswith("/static/"):
            self._get_static(url.path.removeprefix("/static/"))
        else:
            self._send(HTTPStatus.NOT_FOUND, pages.not_found(url.path))

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        path = urlsplit(self.path).path.rstrip("/")
        form = self._form()
        if path == "/login":
            self._post_login(form)
        elif path == "/logout":
            self._redirect("/", {"Set-Cookie": f"{_SESSION_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax"})
        elif path == "/ja/contact":
            self._post_contact(form)
        else:
            self._send(HTTPStatus.NOT_FOUND, pages.not_found(path))

    # -- pages --------------------------------------------------------------------

    def _get_account(self, query: dict[str, str]) -> None:
        session = self._session()
        if session is None:
            self._send(HTTPStatus.OK, pages.login(notice="Please sign in to see your account."))
            return
        username, remembered = session
        self._send(
            HTTPStatus.OK,
            pages.account(username=username, display_name=USERS[username][1], remembered=remembered),
        )

    def _post_login(self, form: dict[str, str]) -> None:
        username = form.get("username", "").strip()
        password = form.get("password", "")
        if not username or not password:
            error = "Please enter your username and password."
        elif USERS.get(username, ("",))[0] != password:
            error = "Invalid username or password."
        else:
            token = secrets.token_urlsafe(16)
            remembered = form.get("remember") == "yes"
            with self.server.sessions_lock:
                self.server.sessions[token] = (username, remembered)
            self._redirect(
                "/account", {"Set-Cookie": f"{_SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax"}
            )
            return
        # 422 would be more precise, but real form posts answer 200 and tests should not
        # see a failed response in the console for a validation message.
        self._send(HTTPStatus.OK, pages.login(error=error, username=username))

    def _post_contact(self, form: dict[str, str]) -> None:
        values = {key: form.get(key, "").strip() for key in ("name", "email", "message")}
        errors = []
        if not values["name"]:
            errors.append("お名前を入力してください。")
        if "@" not in values["email"]:
            errors.append("メールアドレスを正しく入力してください。")
        if not values["message"]:
            errors.append("お問い合わせ内容を入力してください。")
        if errors:
            self._send(HTTPStatus.OK, pages.japanese_contact(errors=tuple(errors), values=values))
        else:
            self._send(HTTPStatus.OK, pages.japanese_contact_done(name=values["name"]))

    def _get_api_search(self, query: dict[str, str]) -> None:
        q = query.get("q", "")
        self._json({"query": q, "results": search_catalogue(q)})

    def _get_slow(self, query: dict[str, str]) -> None:
        try:
            ms = max(0, min(int(query.get("ms", "3000")), _MAX_SLOW_MS))
        except ValueError:
            self._send(HTTPStatus.BAD_REQUEST, "ms must be a whole number", "text/plain; charset=utf-8")
            return
        # An event rather than time.sleep, so stop() does not wait for slow answers.
        self.server.stopping.wait(ms / 1000)
        self._send(HTTPStatus.OK, pages.slow(ms=ms))

    def _get_static(self, name: str) -> None:
        suffix = name[name.rfind(".") :] if "." in name else ""
        resource = resources.files(__package__).joinpath("static", name)
        # Only plain files of the static folder itself, of a known type: no escape from it.
        if "/" in name or name.startswith(".") or suffix not in _STATIC_TYPES or not resource.is_file():
            self._send(HTTPStatus.NOT_FOUND, pages.not_found(self.path))
            return
        self._send(HTTPStatus.OK, resource.read_bytes(), _STATIC_TYPES[suffix])


class DemoApp:
    """A running demo app; ``url`` has no trailing slash."""

    def __init__(self, server: _Server, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        host, port = server.server_address[:2]
        self.host: str = str(host)
        self.port: int = int(port)
        self.url: str = f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        """Stop serving and release the port; safe to call more than once."""
        if self._server.stopping.is_set():
            return
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> DemoApp:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"DemoApp(url={self.url!r})"


def start(host: str = "127.0.0.1", port: int = 0) -> DemoApp:
    """Serve the demo app in a daemon thread; ``port=0`` picks a free port."""
    server = _Server((host, port))
    name = f"demo-app:{server.server_address[1]}"
    thread = serve_in_background(server, name=name)
    return DemoApp(server, thread)
