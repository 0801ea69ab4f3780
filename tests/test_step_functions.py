"""The step library's functions called directly, as a team's own steps call them, on pages
written as frameworks write them (Django's labels with ":" and "*", a select wrapped in its
label, an image-labelled search box, aria-labelledby), in one real Chromium: the lookup
order, the bounded waits and the first lines of the failures.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, sync_playwright

from runner.browser.chromium import LaunchConfig
from runner.settings import resolve
from runner.steps import actions, checks, lookup
from runner.steps.explain import NotOnPage
from tests.support import require

PAGE = """<!doctype html><title>Change book</title>
<h1>Change book</h1>
<form>
  <label for="id_username">Username:</label><input id="id_username" name="username">
  <label for="id_title" class="required">Title *</label><input id="id_title" name="title">
  <label>Action: <select name="action"><option value="">---------</option>
    <option value="mark_out">Mark as out of stock</option></select></label>
  <label for="searchbar"><img src="data:," alt="Search"></label><input id="searchbar" name="q">
  <span id="due-label">Due date</span><input aria-labelledby="due-label" name="due">
  <input placeholder="Notes" name="notes">
  <label><input type="checkbox" name="featured"> Featured</label>
  <button type="button" onclick="document.getElementById('msg').textContent='1 book marked as out of stock.'">Go</button>
</form>
<ul class="messagelist"><li id="msg">Nothing yet</li></ul>
<a href="#add">Add book</a>
"""


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    try:
        launch = LaunchConfig.from_settings(resolve(environ={})).launch_options()
    except Exception as exc:  # noqa: BLE001 - no Chromium on this machine
        require(False, f"Chromium is needed: {exc}")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**launch)
        context = browser.new_context()
        context.set_default_timeout(1500)  # as action_timeout would: a miss fails fast
        page = context.new_page()
        page.set_content(PAGE)
        yield page
        browser.close()


def test_fields_are_found_as_a_person_reads_their_names(page: Page) -> None:
    actions.fill_by_label(page, "Username", "admin")  # the label says "Username:"
    actions.fill_by_label(page, "Title", "Dune")  # "Title *"
    actions.fill_by_label(page, "Search", "tolkien")  # labelled by an <img alt>
    actions.fill_by_label(page, "Due date", "2026-12-24")  # aria-labelledby
    actions.fill_by_label(page, "Notes", "signed copy")  # only a placeholder
    actions.select_option(page, "Action", "Mark as out of stock")  # select wrapped in its label
    actions.check(page, "Featured")
    assert page.input_value("#id_username") == "admin" and page.input_value("#searchbar") == "tolkien"
    assert page.input_value("[name=due]") == "2026-12-24" and page.input_value("[name=notes]") == "signed copy"
    assert page.eval_on_selector("select", "s => s.value") == "mark_out"
    assert lookup.find_field(page, "Title:").count() == 1


def test_a_missing_field_names_the_fields_there(page: Page) -> None:
    with pytest.raises(NotOnPage) as failure:
        actions.fill_by_label(page, "Login", "admin")
    first = str(failure.value).splitlines()[0]
    assert first.startswith('No field labelled "Login". Fields here: ') and '"Username:"' in first


def test_a_text_that_is_not_there_names_the_closest_ones(page: Page) -> None:
    actions.click_button(page, "Go")
    checks.see_text(page, "1 book marked as out of stock.")
    with pytest.raises(NotOnPage) as failure:
        checks.see_text(page, "1 book was successfully marked as out of stock.")
    first = str(failure.value).splitlines()[0]
    assert first.startswith('Did not see "1 book was successfully marked as out of stock.".')
    assert '"1 book marked as out of stock."' in first
    assert "Locator expected" not in str(failure.value)


def test_role_checks_both_ways(page: Page) -> None:
    checks.see_heading(page, "Change book")
    checks.does_not_see_role(page, "button", "Delete")
    with pytest.raises(AssertionError):
        checks.does_not_see_role(page, "link", "Add book")
    with pytest.raises(NotOnPage, match=r'^No button named "Delete"\. Buttons here: "Go"'):
        actions.click_button(page, "Delete")


def test_a_heading_step_needs_exactly_one_visible_heading(page: Page) -> None:
    page.set_content("<h1>Books</h1><h2>Books</h2><h2 hidden>Authors</h2>")
    try:
        with pytest.raises(NotOnPage, match=r'^2 visible headings match "Books"; a step needs exactly one$'):
            checks.see_heading(page, "Books")
        with pytest.raises(AssertionError, match=r'^No heading named "Authors"\. Headings here: "Books"'):
            checks.see_heading(page, "Authors")
    finally:
        page.set_content(PAGE)


def test_paths_resolve_against_the_base_url_as_the_browser_does() -> None:
    assert actions.url_for("https://host/shop/", "login") == "https://host/shop/login"
    assert actions.url_for("https://host/shop/", "/login") == "https://host/login"
    assert actions.url_for("https://host/shop/", "https://other/x") == "https://other/x"
