"""Your own steps. Every module in steps/ is loaded by the e2e plugin: no conftest needed.

The generic steps ("I open", "I click the ... button", "I see ...") come with the runner;
reuse their functions in your own phrases: ``from runner.steps.web import click_button``.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect
from pytest_bdd import then

from runner.steps.web import phrase


@then(phrase("the page shows something"))
def page_shows_something(page: Page) -> None:
    expect(page.locator("body")).to_be_visible()
