"""The bundled demo app: its API, its pages over HTTP, and what a browser sees of it."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import Page, expect

from runner import demo_app
from runner.demo_app import USERS, DemoApp, search_catalogue, start
from tests.support.browser import chromium

HTML_PAGES = ["/", "/login", "/account", "/search", "/signup", "/ja", "/ja/contact", "/slow?ms=0"]


@pytest.fixture(scope="module")
def app() -> Iterator[DemoApp]:
    running = start()
    yield running
    running.stop()


class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def request(
    base_url: str,
    path: str,
    method: str = "GET",
    form: dict[str, str] | None = None,
    cookie: str | None = None,
) -> Response:
    # http.client rather than urllib: redirects must be seen, not followed.
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    headers = {}
    body = None
    if form is not None:
        body = urlencode(form).encode("utf-8")
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if cookie:
        headers["Cookie"] = cookie
    try:
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read())
    finally:
        connection.close()


class _Assets(HTMLParser):
    """Every URL a page would make the browser load or follow."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"src", "href", "action"} and value:
                self.urls.append(value)


# -- the start()/stop() contract --------------------------------------------------------


def test_start_serves_on_a_free_loopback_port_and_stop_releases_it() -> None:
    running = start()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", running.url), running.url
    assert running.port > 0
    assert request(running.url, "/healthz").status == 200
    running.stop()
    running.stop()  # a second stop is harmless
    with socket.socket() as probe:
        probe.settimeout(1)
        assert probe.connect_ex(("127.0.0.1", running.port)) != 0, "port still accepts connections"


def test_two_apps_run_side_by_side() -> None:
    with start() as first, start() as second:
        assert first.url != second.url
        assert request(first.url, "/healthz").status == request(second.url, "/healthz").status == 200


def test_requests_are_not_logged(capfd: pytest.CaptureFixture[str]) -> None:
    with start() as running:
        for path in ("/", "/nope", "/broken", "/api/search?q=python"):
            request(running.url, path)
    captured = capfd.readouterr()
    assert captured.err == ""
    assert captured.out == ""


def test_stop_does_not_wait_for_a_slow_answer() -> None:
    running = start()
    parts = urlsplit(running.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request("GET", "/slow?ms=60000")
    time.sleep(0.2)  # let the server thread enter its wait
    began = time.monotonic()
    running.stop()
    assert time.monotonic() - began < 5
    connection.close()


# -- pages over HTTP ------------------------------------------------------------------------


@pytest.mark.parametrize("path", HTML_PAGES)
def test_pages_are_utf8_html_that_load_nothing_from_elsewhere(app: DemoApp, path: str) -> None:
    answer = request(app.url, path)
    assert answer.status == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert '<meta charset="utf-8">' in answer.text
    assets = _Assets()
    assets.feed(answer.text)
    external = [u for u in assets.urls if re.match(r"^(https?:)?//", u)]
    assert external == [], f"{path} refers to other hosts: {external}"
    for url in assets.urls:
        if url.startswith("/static/"):
            assert request(app.url, url).status == 200, url


def test_static_assets_have_their_types_and_no_escape_from_the_folder(app: DemoApp) -> None:
    assert request(app.url, "/static/app.css").headers["content-type"] == "text/css; charset=utf-8"
    assert request(app.url, "/static/search.js").headers["content-type"] == "text/javascript; charset=utf-8"
    for path in (
        "/static/../__init__.py",
        "/static/%2e%2e/__init__.py",
        "/static/missing.js",
        "/static/pages.py",
    ):
        assert request(app.url, path).status == 404, path


def test_static_files_are_package_data() -> None:
    static = Path(demo_app.__file__).parent / "static"
    assert {"app.css", "search.js", "signup.js"} <= {p.name for p in static.iterdir()}


def test_japanese_page_declares_its_language(app: DemoApp) -> None:
    answer = request(app.url, "/ja")
    assert '<html lang="ja">' in answer.text
    assert "デモ書店へようこそ" in answer.text


def test_unknown_path_is_404_with_a_page(app: DemoApp) -> None:
    answer = request(app.url, "/no-such-page")
    assert answer.status == 404
    assert "Page not found" in answer.text


def test_broken_answers_500(app: DemoApp) -> None:
    answer = request(app.url, "/broken")
    assert answer.status == 500
    assert "Internal Server Error" in answer.text


def test_slow_answers_after_the_delay(app: DemoApp) -> None:
    began = time.monotonic()
    answer = request(app.url, "/slow?ms=400")
    assert answer.status == 200
    assert time.monotonic() - began >= 0.4
    assert "400 ms" in answer.text
    assert request(app.url, "/slow?ms=soon").status == 400


def test_head_has_headers_but_no_body(app: DemoApp) -> None:
    answer = request(app.url, "/", method="HEAD")
    assert answer.status == 200
    assert int(answer.headers["content-length"]) > 0
    assert answer.body == b""


def test_search_api(app: DemoApp) -> None:
    answer = request(app.url, "/api/search?q=PYTHON")
    assert answer.headers["content-type"] == "application/json; charset=utf-8"
    payload = json.loads(answer.text)
    assert payload["query"] == "PYTHON"
    assert [book["title"] for book in payload["results"]] == [
        "Python Crash Course",
        "Fluent Python",
        "Effective Python",
    ]
    assert json.loads(request(app.url, "/api/search?q=cobol").text)["results"] == []
    assert json.loads(request(app.url, "/api/search?q=%E5%A4%8F%E7%9B%AE").text)["query"] == "夏目"


def test_search_catalogue_matches_title_and_author_case_insensitively() -> None:
    assert [b["title"] for b in search_catalogue("fowler")] == ["Refactoring"]
    assert len(search_catalogue("夏目漱石")) == 2
    assert search_catalogue("   ") == []


# -- sign-in over HTTP ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("", "", "Please enter your username and password."),
        ("demo", "", "Please enter your username and password."),
        ("demo", "wrong", "Invalid username or password."),
        ("nobody", "s3cret", "Invalid username or password."),
    ],
)
def test_login_refuses_bad_credentials(app: DemoApp, username: str, password: str, message: str) -> None:
    answer = request(app.url, "/login", "POST", {"username": username, "password": password})
    assert answer.status == 200
    assert "set-cookie" not in answer.headers
    assert f'role="alert" data-testid="login-error">{message}<' in answer.text


def test_login_escapes_what_it_echoes(app: DemoApp) -> None:
    answer = request(app.url, "/login", "POST", {"username": '<script>"x"</script>', "password": "p"})
    assert '<script>"x"</script>' not in answer.text
    assert "&lt;script&gt;&quot;x&quot;&lt;/script&gt;" in answer.text


def test_login_session_and_logout(app: DemoApp) -> None:
    assert "Please sign in to see your account." in request(app.url, "/account").text
    answer = request(app.url, "/login", "POST", {"username": "demo", "password": USERS["demo"][0]})
    assert answer.status == 303
    assert answer.headers["location"] == "/account"
    cookie = answer.headers["set-cookie"].split(";", 1)[0]
    assert "HttpOnly" in answer.headers["set-cookie"]
    account = request(app.url, "/account", cookie=cookie)
    assert "Welcome, Demo User!" in account.text
    assert "You will be signed out when you close the browser." in account.text
    logout = request(app.url, "/logout", "POST", {}, cookie=cookie)
    assert logout.status == 303
    assert "Max-Age=0" in logout.headers["set-cookie"]


def test_japanese_contact_form_validates_and_thanks(app: DemoApp) -> None:
    refused = request(app.url, "/ja/contact", "POST", {"name": "山田 太郎", "email": "", "message": ""})
    assert "メールアドレスを正しく入力してください。" in refused.text
    assert "お問い合わせ内容を入力してください。" in refused.text
    assert 'value="山田 太郎"' in refused.text
    sent = request(
        app.url, "/ja/contact", "POST", {"name": "山田 太郎", "email": "t@example.jp", "message": "在庫"}
    )
    assert "山田 太郎様、お問い合わせありがとうございました。" in sent.text


# -- python -m runner.demo_app ---------------------------------------------------------------


def test_module_serves_in_the_foreground_until_interrupted() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "runner.demo_app", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert f"http://127.0.0.1:{port}" in line
        assert request(f"http://127.0.0.1:{port}", "/healthz").status == 200
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
    assert process.returncode == 0
    assert err == ""


# -- in a browser ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def outside_requests() -> list[str]:
    """URLs the browser asked for that are not the demo app's: must stay empty."""
    return []


@pytest.fixture(scope="module")
def demo_page(app: DemoApp, outside_requests: list[str]) -> Iterator[Page]:
    with chromium() as browser:
        context = browser.new_context(base_url=app.url)
        context.on(
            "request",
            lambda r: None if r.url.startswith((app.url, "data:")) else outside_requests.append(r.url),
        )
        yield context.new_page()


def test_browser_search_fills_the_list_after_a_delay(demo_page: Page, outside_requests: list[str]) -> None:
    demo_page.goto("/search")
    demo_page.get_by_label("Search books").fill("python")
    began = time.monotonic()
    demo_page.get_by_role("button", name="Search").click()
    results = demo_page.get_by_role("list", name="Results").get_by_role("listitem")
    # Read at once, without waiting: the delay is real, so a test that does not wait fails.
    assert results.count() == 0
    expect(results).to_have_count(3)
    assert time.monotonic() - began >= 0.5
    expect(demo_page.get_by_test_id("search-status")).to_have_text("3 books found for “python”.")
    assert outside_requests == []


def test_browser_signup_wizard_validates_each_step(demo_page: Page, outside_requests: list[str]) -> None:
    demo_page.goto("/signup")
    demo_page.get_by_role("button", name="Next").click()
    expect(demo_page.get_by_role("alert")).to_have_text("Please enter your full name.")
    demo_page.get_by_label("Full name").fill("Ada Lovelace")
    demo_page.get_by_label("Email").fill("ada@example.com")
    demo_page.get_by_role("button", name="Next").click()
    demo_page.get_by_role("button", name="Next").click()
    expect(demo_page.get_by_role("alert")).to_have_text("Please choose a favourite genre.")
    demo_page.get_by_label("Favourite genre").select_option("Fiction")
    demo_page.get_by_role("button", name="Next").click()
    expect(demo_page.get_by_test_id("review-genre")).to_have_text("Fiction")
    expect(demo_page.get_by_test_id("review-newsletter")).to_have_text("No")
    demo_page.get_by_label("I accept the terms and conditions").check()
    demo_page.get_by_role("button", name="Create account").click()
    expect(demo_page.get_by_role("heading", name="Welcome aboard, Ada Lovelace!")).to_be_visible()
    assert outside_requests == []


def test_browser_japanese_page_renders_with_its_language(
    demo_page: Page, outside_requests: list[str]
) -> None:
    demo_page.goto("/ja")
    expect(demo_page.locator("html")).to_have_attribute("lang", "ja")
    expect(demo_page.get_by_role("heading", level=1)).to_have_text("デモ書店へようこそ")
    expect(demo_page.get_by_role("list", name="お知らせ一覧").get_by_role("listitem")).to_have_count(3)
    assert outside_requests == []
