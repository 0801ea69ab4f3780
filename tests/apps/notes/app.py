"""A small app with a JSON API, as a Django REST app answers: session cookie + CSRF.

Not the demo app: the API steps are tested against it. Reads are public; writes need a
signed-in session (``sessionid``) and the ``X-CSRFToken`` header equal to the
``csrftoken`` cookie. Answers 201/204/400/403/404 as such an app does, renders a note's
page at ``/notes/<id>/``, and ``/api/slow/`` never answers in time (a hung API).

    python app.py PORT          (prints "listening on PORT" when ready)
"""

from __future__ import annotations

import html
import json
import secrets
import sys
import threading
import time
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

USERS = {"editor": "s3cret-Editor-pw"}
LOCK = threading.Lock()
NOTES: dict[int, dict] = {1: {"id": 1, "title": "Welcome", "body": "First note", "done": False}}
NEXT_ID = [2]
SESSIONS: dict[str, str] = {}
SIGN_INS = [0]


class Handler(BaseHTTPRequestHandler):
    server_version = "notes/1"

    def log_message(self, *args):  # quiet
        pass

    # -- helpers ---------------------------------------------------------------------
    def cookies(self) -> dict[str, str]:
        jar = SimpleCookie(self.headers.get("Cookie", ""))
        return {k: m.value for k, m in jar.items()}

    def user(self) -> str | None:
        return SESSIONS.get(self.cookies().get("sessionid", ""))

    def send(self, status: int, body: bytes | str | dict | list | None, ctype: str = "application/json", cookies: dict | None = None, headers: dict | None = None):
        if isinstance(body, dict | list):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        body = body or b""
        self.send_response(status)
        if body or status != 204:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (cookies or {}).items():
            self.send_header("Set-Cookie", f"{name}={value}; Path=/; SameSite=Lax")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def body_json(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if "application/x-www-form-urlencoded" in self.headers.get("Content-Type", ""):
            return {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        try:
            return json.loads(raw or b"null")
        except ValueError:
            return ValueError

    def csrf_cookie(self) -> dict:
        return {} if "csrftoken" in self.cookies() else {"csrftoken": secrets.token_hex(16)}

    def may_write(self) -> bool:
        if self.user() is None:
            self.send(403, {"detail": "Authentication credentials were not provided."})
            return False
        token = self.cookies().get("csrftoken")
        if not token or self.headers.get("X-CSRFToken") != token:
            self.send(403, {"detail": "CSRF Failed: CSRF token missing or incorrect."})
            return False
        return True

    def note_id(self, path: str, prefix: str) -> int | None:
        rest = path[len(prefix):].strip("/")
        return int(rest) if rest.isdigit() else None

    # -- routes ----------------------------------------------------------------------
    def do_GET(self):
        path = urlparse(self.path).path
        if path == "/login/":
            form = (
                "<!doctype html><title>Sign in</title><h1>Sign in</h1><form method=post>"
                "<label for=u>Username:</label><input id=u name=username>"
                "<label for=p>Password:</label><input id=p name=password type=password>"
                f"<input type=hidden name=csrfmiddlewaretoken value=mw{secrets.token_hex(15)}>"
                "<button>Sign in</button></form>"
            )
            return self.send(200, form, "text/html; charset=utf-8", self.csrf_cookie())
        if path == "/api/csrf/":
            return self.send(200, {"ok": True}, cookies=self.csrf_cookie())
        if path == "/api/me/":
            return self.send(200, {"user": self.user()})
        if path == "/api/stats/":
            return self.send(200, {"sign_ins": SIGN_INS[0]})
        if path == "/api/slow/":
            time.sleep(30)
            return self.send(200, {"late": True})
        if path == "/api/notes/":
            with LOCK:
                results = sorted(NOTES.values(), key=lambda n: n["id"])
            return self.send(200, {"count": len(results), "results": results})
        if path.startswith("/api/notes/"):
            note = NOTES.get(self.note_id(path, "/api/notes/") or -1)
            return self.send(200, note) if note else self.send(404, {"detail": "Not found."})
        if path.startswith("/notes/"):
            note = NOTES.get(self.note_id(path, "/notes/") or -1)
            if not note:
                return self.send(404, "<h1>Not found</h1>", "text/html")
            page = f"<!doctype html><title>{html.escape(note['title'])}</title><h1>{html.escape(note['title'])}</h1><p>{html.escape(note['body'])}</p>"
            return self.send(200, page, "text/html; charset=utf-8")
        if path == "/":
            return self.send(200, "<!doctype html><title>Notes</title><h1>Notes</h1>", "text/html", self.csrf_cookie())
        return self.send(404, {"detail": "Not found."})

    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        path = urlparse(self.path).path
        data = self.body_json()
        if path in ("/api/login/", "/login/"):
            if not isinstance(data, dict) or USERS.get(data.get("username")) != data.get("password"):
                return self.send(400, {"detail": "Wrong username or password."})
            token = secrets.token_hex(20)
            SESSIONS[token] = data["username"]
            SIGN_INS[0] += 1
            if path == "/login/":
                return self.send(302, b"", cookies={"sessionid": token}, headers={"Location": "/"})
            return self.send(200, {"user": data["username"]}, cookies={"sessionid": token})
        if path == "/api/notes/":
            if not self.may_write():
                return None
            if data is ValueError or not isinstance(data, dict):
                return self.send(400, {"detail": "JSON parse error."})
            if not str(data.get("title", "")).strip():
                return self.send(400, {"title": ["This field is required."]})
            with LOCK:
                note = {"id": NEXT_ID[0], "title": data["title"], "body": data.get("body", ""), "done": bool(data.get("done", False))}
                NOTES[note["id"]] = note
                NEXT_ID[0] += 1
            return self.send(201, note, headers={"Location": f"/api/notes/{note['id']}/"})
        return self.send(404, {"detail": "Not found."})

    def _change(self, partial: bool):
        path = urlparse(self.path).path
        if not path.startswith("/api/notes/"):
            return self.send(404, {"detail": "Not found."})
        if not self.may_write():
            return None
        note = NOTES.get(self.note_id(path, "/api/notes/") or -1)
        if note is None:
            return self.send(404, {"detail": "Not found."})
        data = self.body_json()
        if data is ValueError or not isinstance(data, dict):
            return self.send(400, {"detail": "JSON parse error."})
        if not partial and "title" not in data:
            return self.send(400, {"title": ["This field is required."]})
        with LOCK:
            note.update({k: v for k, v in data.items() if k in ("title", "body", "done")})
        return self.send(200, note)

    def do_PUT(self):
        self._change(partial=False)

    def do_PATCH(self):
        self._change(partial=True)

    def do_DELETE(self):
        path = urlparse(self.path).path
        if not self.may_write():
            return None
        with LOCK:
            note = NOTES.pop(self.note_id(path, "/api/notes/") or -1, None)
        return self.send(204, None) if note else self.send(404, {"detail": "Not found."})


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
