"""Steps of the static-cache tests (tests/test_static_cache.py)."""

from __future__ import annotations

from playwright.sync_api import Page
from pytest_bdd import given, parsers, then

LOADED = """() => {
  const sheets = [...document.querySelectorAll('link[rel=stylesheet]')]
    .filter(l => !l.href.endsWith('/missing.css'))
    .map(l => [l.href, !!(l.sheet && l.sheet.cssRules.length)]);
  const images = [...document.images].map(i => [i.src, i.complete && i.naturalWidth > 0]);
  return [...sheets, ...images].filter(([, ok]) => !ok).map(([href]) => href);
}"""


@given("every request of the page carries an Authorization header")
def _authorization(page: Page) -> None:
    page.set_extra_http_headers({"Authorization": "Bearer not-a-real-token"})


@given(parsers.parse('my own route answers "{path}" with a script writing "{text}"'))
def _own_route(page: Page, path: str, text: str) -> None:
    script = f'document.addEventListener("DOMContentLoaded", () => {{ script.textContent = "{text}"; }});'
    page.route(f"**{path}", lambda route: route.fulfill(body=script, content_type="application/javascript"))


@then("every stylesheet and image of the page applied")
def _applied(page: Page) -> None:
    missing = page.evaluate(LOADED)
    assert not missing, f"not applied: {missing}"
