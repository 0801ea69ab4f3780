"""The static cache's rules (``runner.browser.static_cache``), without a browser: the rules of our
own, and ``StaticCache.answer`` driving hishel's RFC 9111 states against the tests' real loopback
app (``apps/static_assets``) through a stand-in for Playwright's route (its ``fetch`` is a real
HTTP request, its ``fulfill`` records what the page would get)."""

from __future__ import annotations

import http.client
import urllib.parse
import uuid
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from time import time

import hishel
import pytest

from runner.browser.static_cache import (
    STATIC_URLS,
    STEP_ASIDE_AFTER,
    StaticCache,
    plain_headers,
    to_headers,
    why_not_stored,
)
from tests.apps.static_assets.app import StaticAssetsApp


@dataclass
class Answer:
    status: int
    headers: list[dict[str, str]]
    data: bytes

    @property
    def headers_array(self) -> list[dict[str, str]]:
        return self.headers

    def body(self) -> bytes:
        return self.data


@dataclass
class LoopbackRoute:
    """What ``StaticCache`` uses of a Playwright route, over real HTTP."""

    url: str
    fulfilled: list[dict] = field(default_factory=list)

    def fetch(self, headers: dict[str, str], max_redirects: int) -> Answer:
        assert max_redirects == 0
        parts = urllib.parse.urlsplit(self.url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        try:
            conn.request("GET", parts.path, headers=headers)
            response = conn.getresponse()
            pairs = [{"name": k, "value": v} for k, v in response.getheaders()]
            return Answer(response.status, pairs, response.read())
        finally:
            conn.close()

    def fulfill(self, **kwargs) -> None:
        if "response" in kwargs:  # passed on as the app answered
            answer = kwargs["response"]
            kwargs = {"status": answer.status, "body": answer.data, "passed": True}
        self.fulfilled.append(kwargs)


@pytest.fixture(scope="module")
def app():
    served = StaticAssetsApp().start()
    yield served
    served.stop()


def _get(cache: StaticCache, url: str, **headers: str) -> dict:
    route = LoopbackRoute(url)
    cache.answer(route, hishel.Request("GET", url, hishel.Headers(headers)))
    [fulfilled] = route.fulfilled
    return fulfilled


def _headers(**values: str) -> hishel.Headers:
    return hishel.Headers({k.replace("_", "-"): v for k, v in values.items()})


GET = hishel.Request("GET", "http://app/a.css", hishel.Headers({}))


@pytest.mark.parametrize(
    ("request_", "status", "headers", "reason"),
    [
        (GET, 200, _headers(cache_control="max-age=60"), None),
        (GET, 200, _headers(etag='"x"'), None),
        (GET, 200, _headers(last_modified="Tue, 01 Dec 2026 10:00:00 GMT"), None),
        (GET, 200, _headers(expires="Tue, 01 Dec 2026 10:00:00 GMT"), None),
        (GET, 200, _headers(cache_control="private, max-age=60"), None),
        (GET, 200, _headers(cache_control="max-age=60", vary="Accept-Encoding"), None),
        (
            hishel.Request("POST", GET.url, hishel.Headers({})),
            200,
            _headers(cache_control="max-age=60"),
            "not a GET",
        ),
        (
            hishel.Request("GET", GET.url, hishel.Headers({"authorization": "Bearer t"})),
            200,
            _headers(cache_control="max-age=60"),
            "the request carries Authorization",
        ),
        (GET, 404, _headers(cache_control="max-age=60"), "status 404"),
        (GET, 206, _headers(cache_control="max-age=60"), "status 206"),
        (GET, 200, _headers(cache_control="max-age=60", set_cookie="a=1"), "the response sets a cookie"),
        (GET, 200, _headers(cache_control="max-age=60", vary="Cookie"), "Vary: cookie"),
        (
            GET,
            200,
            _headers(cache_control="max-age=60", vary="accept-encoding, User-Agent"),
            "Vary: accept-encoding, user-agent",
        ),
        (GET, 200, _headers(cache_control="no-store, max-age=60"), "no-store"),
        (GET, 200, _headers(content_type="text/css"), "no freshness or validator from the app"),
    ],
)
def test_our_rules(
    request_: hishel.Request, status: int, headers: hishel.Headers, reason: str | None
) -> None:
    assert why_not_stored(request_, status, headers) == reason


def test_private_is_not_stored_for_a_request_with_a_cookie() -> None:
    private = _headers(cache_control="private, max-age=60")
    assert why_not_stored(GET, 200, private, has_cookie=True) == "private, to a request with a cookie"
    assert why_not_stored(GET, 200, _headers(cache_control="max-age=60"), has_cookie=True) is None


def test_headers_from_playwright_and_back() -> None:
    headers = to_headers(
        [{"name": "Cache-Control", "value": "max-age=1"}, {"name": "Set-Cookie", "value": "a=1\nb=2"}]
    )
    assert headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert plain_headers(to_headers({"Content-Length": "3", "ETag": '"e"', "Content-Encoding": "gzip"})) == {
        "etag": '"e"'
    }


def test_fresh_response_served_without_the_app(app: StaticAssetsApp) -> None:
    cache = StaticCache()
    before = app.count("/a/fresh.css")
    first, second = _get(cache, app.url + "/a/fresh.css"), _get(cache, app.url + "/a/fresh.css")
    assert app.count("/a/fresh.css") == before + 1
    assert first["body"] == second["body"] == b"#fresh-rule { color: red; }\n"
    assert "content-length" not in second["headers"] and second["headers"]["etag"] == '"fresh-1"'
    assert (cache.counts.stored, cache.counts.hits) == (1, 1)


def test_heuristic_freshness_from_last_modified(app: StaticAssetsApp) -> None:
    cache = StaticCache()
    before = app.count("/a/heuristic.css")
    for _ in range(3):
        _get(cache, app.url + "/a/heuristic.css")
    assert app.count("/a/heuristic.css") == before + 1  # 10 % of ten days: fresh for a day


@pytest.mark.parametrize("path", ["/a/expired.css", "/a/nocache.css"])
def test_stale_or_no_cache_is_revalidated_and_the_stored_body_served(app: StaticAssetsApp, path: str) -> None:
    cache = StaticCache()
    before, before_304 = app.count(path), app.count(path, 304)
    first = _get(cache, app.url + path)
    again = [_get(cache, app.url + path) for _ in range(2)]
    assert (app.count(path), app.count(path, 304)) == (before + 1, before_304 + 2)
    assert [a["body"] for a in again] == [first["body"]] * 2 and all(a["status"] == 200 for a in again)
    assert cache.counts.revalidated == 2


@pytest.mark.parametrize(
    ("path", "status"),
    [("/a/nostore.css", 200), ("/a/cookie.css", 200), ("/a/vary.css", 200), ("/a/missing.css", 404)],
)
def test_never_stored(app: StaticAssetsApp, path: str, status: int) -> None:
    cache = StaticCache()
    before = app.count(path, status)
    answers = [_get(cache, app.url + path) for _ in range(2)]
    assert app.count(path, status) == before + 2
    assert all(a.get("passed") and a["status"] == status for a in answers)
    assert cache.size == 0 and cache.counts.passed == 2


def test_bounded_by_bytes_least_recently_used_out_first(app: StaticAssetsApp) -> None:
    cache = StaticCache(max_bytes=64, max_entry_bytes=40)  # bodies: fresh 28, heuristic 32, expired 30 bytes
    fresh, heuristic, expired = (app.url + p for p in ("/a/fresh.css", "/a/heuristic.css", "/a/expired.css"))
    _get(cache, fresh)
    _get(cache, heuristic)
    assert cache.size == 60
    _get(cache, heuristic)  # used again: fresh is now the least recently used
    _get(cache, expired)
    assert cache.size == 62 and cache.size <= cache.max_bytes
    before = (app.count("/a/fresh.css"), app.count("/a/heuristic.css"))
    _get(cache, heuristic)
    _get(cache, fresh)
    assert (app.count("/a/fresh.css"), app.count("/a/heuristic.css")) == (before[0] + 1, before[1])


def test_a_file_larger_than_an_entry_may_be_is_passed_on(app: StaticAssetsApp) -> None:
    cache = StaticCache(max_entry_bytes=27)
    assert _get(cache, app.url + "/a/fresh.css").get("passed")
    assert cache.size == 0 and cache.counts.passed == 1


def test_a_response_without_date_ages_from_when_it_was_stored(app: StaticAssetsApp) -> None:
    # BaseHTTPRequestHandler always sends Date; hishel counts age from it, so one is added when absent.
    cache = StaticCache()
    route = LoopbackRoute(app.url + "/a/fresh.css")
    _, response = cache._fetch(route, hishel.Request("GET", route.url, hishel.Headers({})))
    assert abs(hishel_date(response.headers) - time()) < 60


def hishel_date(headers: hishel.Headers) -> float:
    return parsedate_to_datetime(headers["date"]).timestamp()


def test_formatdate_is_what_hishel_parses() -> None:
    def state(age: int):
        headers = hishel.Headers(
            {"date": formatdate(time() - age, usegmt=True), "cache-control": "max-age=10"}
        )
        entry = hishel.Entry(id=uuid.uuid4(), request=GET, response=hishel.Response(200, headers))
        return hishel.IdleClient(options=hishel.CacheOptions(shared=False)).next(GET, [entry])

    assert isinstance(state(20), hishel.NeedRevalidation)  # 20 s old, 10 s fresh: stale, asked again
    assert isinstance(state(5), hishel.FromCache)


@pytest.mark.parametrize(
    ("url", "routed"),
    [
        ("http://app/static/base.819d7ac3cb53.css", True),
        ("http://app/a/app.js?v=3", True),
        ("http://app/img/LOGO.PNG#top", True),
        ("http://app/fonts/x.woff2", True),
        ("http://app/books", False),
        ("http://app/api/items.json", False),
        ("http://app/page.css/edit", False),
    ],
)
def test_only_static_file_urls_are_routed(url: str, routed: bool) -> None:
    assert bool(STATIC_URLS.search(url)) is routed


class _Context:
    """Records the routes a context was given (what ``attach`` does to a real one)."""

    def __init__(self) -> None:
        self.routes: list[object] = []

    def route(self, pattern: object, handler: object) -> None:
        self.routes.append(pattern)


def test_an_app_that_marks_nothing_cacheable_is_left_unrouted_after_a_few_contexts(app: StaticAssetsApp) -> None:
    cache = StaticCache()
    contexts = [_Context() for _ in range(STEP_ASIDE_AFTER + 2)]
    for context in contexts[:STEP_ASIDE_AFTER]:
        cache.attach(context)  # type: ignore[arg-type]
        _get(cache, app.url + "/a/nostore.css")
    assert cache.stepped_aside
    for context in contexts[STEP_ASIDE_AFTER:]:
        cache.attach(context)  # type: ignore[arg-type]
    assert [len(c.routes) for c in contexts] == [1] * STEP_ASIDE_AFTER + [0, 0]


def test_one_stored_file_keeps_the_cache_routing(app: StaticAssetsApp) -> None:
    cache = StaticCache()
    contexts = [_Context() for _ in range(STEP_ASIDE_AFTER + 2)]
    for context in contexts:
        cache.attach(context)  # type: ignore[arg-type]
        _get(cache, app.url + "/a/nostore.css")
        _get(cache, app.url + "/a/fresh.css")
    assert not cache.stepped_aside
    assert all(len(c.routes) == 1 for c in contexts)
