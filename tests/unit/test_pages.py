"""runner/demo_app/pages.py: every page is well-formed HTML, escapes what a request brought, marks its nav link."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from runner.demo_app import pages

VOID = {"meta", "link", "input", "br", "img", "hr"}


class _Checker(HTMLParser):
    """Collects the open/close balance, the headings and the current nav link of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.h1: list[str] = []
        self.current: list[str] = []
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append(tag)
        self._in_h1 = tag == "h1"
        if ("aria-current", "page") in attrs:
            self.current.append(dict(attrs)["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(f"unexpected </{tag}>")
        self._in_h1 = False

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.h1.append(data)


def _check(html: str) -> _Checker:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert not checker.errors and checker.stack == [], (checker.errors, checker.stack)
    return checker


@pytest.mark.parametrize(
    ("html", "heading"),
    [
        (pages.home(), "Welcome to the Demo Bookshop"),
        (pages.login(), "Sign in"),
        (pages.search(), None),
        (pages.signup(), None),
        (pages.japanese_home(), None),
        (pages.japanese_contact(), None),
        (pages.slow(ms=250), "Slow page"),
        (pages.server_error(), "Internal Server Error"),
        (pages.not_found("/x"), "Page not found"),
    ],
)
def test_every_page_is_balanced_and_has_one_h1(html: str, heading: str | None) -> None:
    checker = _check(html)
    assert len(checker.h1) == 1
    if heading:
        assert checker.h1 == [heading]


def test_request_values_are_escaped() -> None:
    attack = '<script>alert("x")</script>'
    for html in (
        pages.login(error=attack, username=attack, notice=attack),
        pages.not_found(attack),
        pages.japanese_contact_done(name=attack),
        pages.account(username=attack, display_name=attack, remembered=True),
    ):
        assert attack not in html and "&lt;script&gt;" in html
        _check(html)


def test_the_current_page_is_marked_in_the_navigation() -> None:
    assert _check(pages.home()).current == ["/"]
    assert _check(pages.layout("T", "<p>x</p>", current="/search")).current == ["/search"]
    assert _check(pages.layout("T", "<p>x</p>")).current == []


def test_the_japanese_layout_says_its_language() -> None:
    html = pages.japanese_home()
    assert '<html lang="ja">' in html and pages.SITE_NAME_JA in html and 'href="/ja"' in html
    assert f"<title>Home · {pages.SITE_NAME}</title>" in pages.home()


def test_login_shows_its_error_as_an_alert_only_when_there_is_one() -> None:
    assert 'role="alert"' not in pages.login()
    assert 'role="alert" data-testid="login-error">Wrong password</p>' in pages.login(error="Wrong password")
