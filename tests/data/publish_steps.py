"""The tiny run's steps (tests.support.runs.real_run)."""

from playwright.sync_api import expect
from pytest_bdd import given, parsers, then


@given(parsers.parse('the page shows "{text}"'))
def _show(page, text):
    page.set_content(f"<h1>{text}</h1>")


@then(parsers.parse('I see the greeting "{text}"'))
def _see(page, text):
    expect(page.locator("h1")).to_have_text(text, timeout=500)
