"""A run-wide cache of static responses, shared by the browser contexts of one process.

Every scenario gets a fresh context, and so an empty HTTP cache: without this, every scenario
fetches the app's CSS, JS, images and fonts again. ``StaticCache.attach(context)`` routes the
context's static requests (``STATIC_KINDS``) through one cache per process; cookies, storage
and pages stay the context's own, and only responses that carry no credentials are kept.

The caching rules are RFC 9111's, as a browser's private cache applies them: hishel's sans-I/O
state machine (``hishel.IdleClient`` and the states after it) decides whether a stored response
is fresh (max-age, Expires, 10 % of Last-Modified's age), must be revalidated (stale with an
ETag or Last-Modified, or ``no-cache``: If-None-Match / If-Modified-Since, the stored body
served on 304) or may be stored at all (``no-store``). It knows nothing of HTTP libraries, so it
drives Playwright's route objects directly: ``route.fetch`` is how a request reaches the app,
``route.fulfill`` how an answer reaches the page. Stricter rules of our own come first
(``why_not_stored``), because one cache serves every scenario and role of the run: only a GET
of a static kind answered 200, with no ``Authorization`` on the request, no ``Set-Cookie`` on
the response, no ``Vary`` but ``Accept-Encoding``, no ``private`` when the request carried a
cookie, and a freshness or validator the app set itself.

Everything else is ``route.fallback()``: the next route (a test's own, registered later, runs
first anyway) or the browser's own network stack. A fulfilled route still shows in Playwright's
trace. The cache is bounded (``max_bytes``, least recently used out first).
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

import hishel
from playwright.sync_api import APIResponse, BrowserContext, Route
from playwright.sync_api import Request as PlaywrightRequest

STATIC_KINDS = frozenset({"stylesheet", "script", "image", "font", "media"})
# The URLs the browser hands to us at all: a static file's extensions. The pattern is matched by
# Playwright's driver, so every other request (pages, XHR, fetch) never makes the round trip to
# Python; a static file without such an extension is simply not cached.
STATIC_URLS = re.compile(
    r"\.(css|js|mjs|png|jpe?g|gif|webp|avif|svg|ico|bmp|woff2?|ttf|otf|eot|mp4|webm|ogg|mp3|wav)(\?[^#]*)?(#.*)?$",
    re.IGNORECASE,
)
# How many URLs found not storable are remembered (and left to the browser from then on).
MAX_PASSED_URLS = 10_000
# Routing costs every context a round trip to the browser and every static request one to this
# process. An app that marks none of its files cacheable gains nothing from it: once this many
# contexts were routed, static files were fetched and not one was storable, later contexts
# are not routed.
STEP_ASIDE_AFTER = 3
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
# Headers that describe the bytes on the wire, not the (decoded) body we keep.
_WIRE_HEADERS = frozenset(
    {"content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"}
)
_OPTIONS = hishel.CacheOptions(shared=False, supported_methods=["GET"], allow_stale=False)


def _directives(headers: hishel.Headers) -> set[str]:
    values = headers.get_list("cache-control") or []
    return {
        part.split("=", 1)[0].strip().lower() for value in values for part in value.split(",") if part.strip()
    }


def why_not_stored(
    request: hishel.Request, status: int, response: hishel.Headers, has_cookie: bool = False
) -> str | None:
    """Why this response must not go into the run-wide cache (our rules, before RFC 9111's), or None.

    ``has_cookie``: the request carried a cookie (Playwright keeps it out of ``request.headers``).
    """
    if request.method != "GET":
        return "not a GET"
    if "authorization" in request.headers:
        return "the request carries Authorization"
    if status != 200:
        return f"status {status}"
    if "set-cookie" in response:
        return "the response sets a cookie"
    vary = {
        v.strip().lower() for value in response.get_list("vary") or [] for v in value.split(",") if v.strip()
    }
    if vary - {"accept-encoding"}:
        return f"Vary: {', '.join(sorted(vary))}"
    directives = _directives(response)
    if "no-store" in directives:
        return "no-store"
    if "private" in directives and (has_cookie or "cookie" in request.headers):
        return "private, to a request with a cookie"
    if not ({"max-age", "s-maxage", "no-cache"} & directives) and not any(
        name in response for name in ("expires", "etag", "last-modified")
    ):
        return "no freshness or validator from the app"
    return None


def to_headers(pairs: Any) -> hishel.Headers:
    """hishel's headers from Playwright's ``headers_array`` (name/value dicts) or a plain dict."""
    items = [(p["name"], p["value"]) for p in pairs] if isinstance(pairs, list) else list(pairs.items())
    merged: dict[str, list[str]] = {}
    for name, value in items:
        merged.setdefault(name.lower(), []).extend(
            value.split("\n") if name.lower() == "set-cookie" else [value]
        )
    return hishel.Headers(merged)


def plain_headers(headers: hishel.Headers, drop: frozenset[str] = _WIRE_HEADERS) -> dict[str, str]:
    """One value per name, as ``route.fulfill``/``route.fetch`` take them."""
    names = {name.lower() for name in headers}
    return {name: ", ".join(headers.get_list(name) or []) for name in names if name not in drop}


@dataclass
class _Stored:
    entry: hishel.Entry
    body: bytes


@dataclass
class CacheCounts:
    """What the cache did, for tests and benchmarks."""

    hits: int = 0  # answered from the cache, no request to the app
    revalidated: int = 0  # answered from the cache after a 304
    stored: int = 0
    passed: int = 0  # fetched and not stored (a reason of ours or RFC 9111's)


@dataclass
class StaticCache:
    """The static responses of one process's run, by URL; ``attach`` it to each new context."""

    max_bytes: int = DEFAULT_MAX_BYTES
    # One huge file would push out everything else: larger ones are passed on, never stored.
    max_entry_bytes: int = DEFAULT_MAX_BYTES // 8
    counts: CacheCounts = field(default_factory=CacheCounts)
    _stored: OrderedDict[str, _Stored] = field(default_factory=OrderedDict)
    # URLs whose response was not storable: later requests go straight to the browser's network.
    _passed: set[str] = field(default_factory=set)
    _bytes: int = 0
    _attached: int = 0  # contexts routed so far
    # Held only around the dictionary, never across a Playwright call: route handlers of the
    # sync API interleave on one thread (greenlets), and a held lock there would deadlock.
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def size(self) -> int:
        return self._bytes

    @property
    def stepped_aside(self) -> bool:
        """Whether new contexts go unrouted: ``STEP_ASIDE_AFTER`` contexts were routed, static
        files were fetched, and the app marked none of them storable."""
        return self._attached >= STEP_ASIDE_AFTER and self.counts.passed > 0 and not self.counts.stored

    def attach(self, context: BrowserContext) -> None:
        """Route ``context``'s requests through the cache (first registered, so any later route wins)."""
        if self.stepped_aside:
            return
        self._attached += 1
        context.route(STATIC_URLS, self._handle)

    def _handle(self, route: Route, request: PlaywrightRequest) -> None:
        if request.resource_type not in STATIC_KINDS or request.method != "GET":
            route.fallback()
            return
        headers = request.headers
        url = request.url.split("#", 1)[0]
        if "authorization" in headers or url in self._passed:  # credentials, or known not storable
            route.fallback()
            return
        self.answer(route, hishel.Request("GET", url, to_headers(headers)))

    def answer(self, route: Route, request: hishel.Request) -> None:
        """Answer ``route`` from the cache, after revalidating, or from the app (stored if it may be)."""
        state: Any = hishel.IdleClient(options=_OPTIONS).next(request, self._entries(request.url))
        fetched: tuple[APIResponse, bytes] | None = None
        revalidating = False
        while True:
            if isinstance(state, hishel.CacheMiss | hishel.NeedRevalidation):
                revalidating = isinstance(state, hishel.NeedRevalidation)
                fetched, response = self._fetch(route, state.request)
                state = state.next(response)
            elif isinstance(state, hishel.NeedToBeUpdated):
                for entry in state.updating_entries:
                    self._update(request.url, entry)
                state = state.next()
            elif isinstance(state, hishel.InvalidateEntries):
                self._remove(request.url, {str(i) for i in state.entry_ids})
                state = state.next()
            elif isinstance(state, hishel.FromCache):
                stored = self._get(request.url, state.entry)
                if stored is None:  # evicted meanwhile: ask the app again
                    state = hishel.CacheMiss(options=_OPTIONS, request=request)
                    continue
                if revalidating:
                    self.counts.revalidated += 1
                else:
                    self.counts.hits += 1
                route.fulfill(
                    status=200, headers=plain_headers(state.entry.response.headers), body=stored.body
                )
                return
            elif isinstance(state, hishel.StoreAndUse | hishel.CouldNotBeStored):
                assert fetched is not None
                api_response, body = fetched
                private = "private" in _directives(state.response.headers)
                has_cookie = private and "cookie" in route.request.all_headers()
                reason = why_not_stored(
                    request, state.response.status_code, state.response.headers, has_cookie
                )
                if (
                    isinstance(state, hishel.StoreAndUse)
                    and reason is None
                    and self._store(request, state, body)
                ):
                    self.counts.stored += 1
                    route.fulfill(status=200, headers=plain_headers(state.response.headers), body=body)
                else:
                    self.counts.passed += 1
                    if len(self._passed) < MAX_PASSED_URLS:
                        self._passed.add(request.url)
                    route.fulfill(response=api_response)
                return
            else:  # pragma: no cover - hishel's states are all handled above
                raise TypeError(f"unexpected cache state {type(state).__name__}")

    @staticmethod
    def _fetch(route: Route, request: hishel.Request) -> tuple[tuple[APIResponse, bytes], hishel.Response]:
        # max_redirects=0: a redirect goes back to the page, which follows it (and routes it again).
        api_response = route.fetch(headers=plain_headers(request.headers, frozenset()), max_redirects=0)
        headers = to_headers(api_response.headers_array)
        if "date" not in headers:  # the response's age counts from now (RFC 9111 4.2.3's response_time)
            headers["date"] = formatdate(usegmt=True)
        body = api_response.body()
        return (api_response, body), hishel.Response(api_response.status, headers)

    def _entries(self, url: str) -> list[hishel.Entry]:
        with self._lock:
            stored = self._stored.get(url)
            if stored is None:
                return []
            self._stored.move_to_end(url)
            return [stored.entry]

    def _get(self, url: str, entry: hishel.Entry) -> _Stored | None:
        with self._lock:
            stored = self._stored.get(url)
            return stored if stored is not None and stored.entry.id == entry.id else None

    def _update(self, url: str, entry: hishel.Entry) -> None:
        with self._lock:
            stored = self._stored.get(url)
            if stored is not None and stored.entry.id == entry.id:
                stored.entry = entry

    def _remove(self, url: str, ids: set[str]) -> None:
        with self._lock:
            stored = self._stored.get(url)
            if stored is not None and str(stored.entry.id) in ids:
                del self._stored[url]
                self._bytes -= len(stored.body)

    def _store(self, request: hishel.Request, state: hishel.StoreAndUse, body: bytes) -> bool:
        if len(body) > min(self.max_entry_bytes, self.max_bytes):
            return False
        stream = hishel.Response(state.response.status_code, state.response.headers)
        entry = hishel.Entry(id=uuid.uuid4(), request=request, response=stream)
        with self._lock:
            old = self._stored.pop(request.url, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._stored[request.url] = _Stored(entry, body)
            self._bytes += len(body)
            while self._bytes > self.max_bytes and self._stored:
                _, evicted = self._stored.popitem(last=False)
                self._bytes -= len(evicted.body)
        return True
