"""Generic web steps: the phrases every feature can use, on any web app.

Every step finds elements the way a user does (by role and accessible name, label,
placeholder, text or test id) and every check is a Playwright ``expect`` assertion,
which retries until it holds or the timeout set by the runner runs out. So no step
sleeps or polls, and a failure reads like "expected to have text ... but got ...".

Quoted values may be empty (``""``) but cannot contain a double quote. Names of
buttons, links, headings, labels and placeholders match exactly (case-sensitive, whole
text, surrounding spaces ignored); "I see" matches a part of a visible text.

=====================================================  ==========  ========================================
Phrase                                                 Keywords    What it does
=====================================================  ==========  ========================================
``I open "/path"``                                     Given/When  go to a path below the base URL
``I click the "Sign in" button``                       Given/When  click a button by accessible name
``I click the "Search" link``                          Given/When  click a link by accessible name
``I click "Some text"``                                Given/When  click the element with exactly this text
``I fill in "Username" with "demo"``                   Given/When  fill the field with this label
``I fill in the placeholder "Title" with "x"``         Given/When  fill the field with this placeholder
``I fill in the form:`` + table ``| field | value |``  Given/When  fill, select or tick fields by label
``I select "Science" from "Favourite genre"``          Given/When  choose an option (by label or value)
``I check "Remember me"``                              Given/When  tick a checkbox or choose a radio button
``I uncheck "Remember me"``                            Given/When  untick a checkbox
``I press "Enter"``                                    Given/When  press a key in the focused element
``I take a screenshot named "after-login"``            any         screenshot of the page into the report
``I see "Welcome"``                                    Then        a visible element contains this text
``I do not see "Error"``                               Then        no visible element contains this text
``I see the text:`` + doc string                       Then        the page shows this (multi-line) text
``I see the heading "Sign in"``                        Then        a heading with exactly this name
``I see the alert "Invalid password."``                Then        an element with role alert contains this
``the URL ends with "/account"``                       Then        the page URL ends with this
``the URL contains "q=python"``                        Then        the page URL contains this
``the page title is "Home"``                           Then        the title is exactly this
``the page title contains "Home"``                     Then        the title contains this
``the element with test id "status" has text "Done"``  Then        exact text of a ``data-testid`` element
``the element with test id "status" contains "Done"``  Then        part of the text of that element
``the element with test id "status" is visible``       Then        that element is visible
``the element with test id "status" is hidden``        Then        that element is hidden or absent
``the list "Results" has 3 items``                     Then        list items of the named list (role list)
``the list "Results" has 1 item``                      Then        the same, in the singular
``the field "Email" has the value "a@b.c"``            Then        current value of the labelled field
=====================================================  ==========  ========================================

The functions behind the phrases (``open_path``, ``click_button``, ``see_text`` ...)
are public, so custom steps and steps in other languages reuse them instead of
copying the Playwright calls.
"""

from __future__ import annotations

import re
from typing import Any, Protocol
from urllib.parse import urljoin

from playwright.sync_api import Locator, Page, expect
from pytest_bdd import given, parsers, step, then, when

__all__ = [
    "Evidence",
    "check",
    "click_button",
    "click_link",
    "click_text",
    "does_not_see_text",
    "element_contains",
    "element_has_text",
    "element_is_hidden",
    "element_is_visible",
    "field_has_value",
    "field_value_rows",
    "fill_by_label",
    "fill_by_placeholder",
    "fill_form",
    "list_has_items",
    "open_path",
    "phrase",
    "press_key",
    "see_alert",
    "see_heading",
    "see_page_text",
    "see_text",
    "select_option",
    "take_screenshot",
    "title_contains",
    "title_is",
    "uncheck",
    "url_for",
    "url_contains",
    "url_ends_with",
]


class Evidence(Protocol):
    """What the runner's ``evidence`` fixture offers to steps."""

    def screenshot(self, name: str, page: Page | None = None) -> Any: ...


_PLACEHOLDER = re.compile(r"\{(\w+)(:d)?\}")
# Only the characters that mean something in a regex: re.escape would also escape spaces
# and CJK punctuation, and the pattern is what pytest-bdd shows in its messages.
_SPECIAL = re.compile(r"([.^$*+?{}\[\]\\|()])")


def _literal(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)


def phrase(template: str) -> parsers.re:
    """A step parser from a readable template: ``'I fill in "{label}" with "{value}"'``.

    ``{name}`` captures the text up to the closing quote (``"`` or ``」``), so a value may
    be empty; ``{name:d}`` captures digits. Everything else matches literally, which is
    what keeps phrases from overlapping by accident.
    """
    parts: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(_literal(template[position : match.start()]))
        if match[2]:
            parts.append(rf"(?P<{match[1]}>\d+)")
        else:
            closing = "」" if template[: match.start()].endswith("「") else '"'
            parts.append(rf"(?P<{match[1]}>[^{closing}]*)")
        position = match.end()
    parts.append(_literal(template[position:]))
    return parsers.re("".join(parts))


def _normalize(text: str) -> str:
    return " ".join(text.split())


_ABSOLUTE_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")

_TRUE_WORDS = {"yes", "true", "on", "checked", "x", "1"}
_FALSE_WORDS = {"no", "false", "off", "unchecked", "", "0"}


# -- actions ---------------------------------------------------------------------------


def url_for(base_url: str, path: str) -> str:
    """``path`` resolved against ``base_url`` exactly as Playwright's ``page.goto`` does
    (``new URL(path, baseURL)``): ``"/login"`` goes to the host's root, ``"login"`` next to
    the base (``https://host/shop/`` + ``login`` = ``https://host/shop/login``), ``"/"`` with
    ``https://host/index.html`` to ``https://host/``; a full URL is kept as it is."""
    if _ABSOLUTE_URL.match(path):
        return path
    return urljoin(base_url, path)


def open_path(page: Page, path: str, base_url: str | None = None) -> None:
    """Go to ``path`` below ``base_url`` (default: the browser context's base URL)."""
    page.goto(url_for(base_url, path) if base_url else path)


def click_button(page: Page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def click_link(page: Page, name: str) -> None:
    page.get_by_role("link", name=name, exact=True).click()


def click_text(page: Page, text: str) -> None:
    # Text matches hidden elements too (a closed menu, a later wizard step); only a
    # visible one can be clicked, and two visible ones are still reported as ambiguous.
    page.get_by_text(text, exact=True).filter(visible=True).click()


def fill_by_label(page: Page, label: str, value: str) -> None:
    page.get_by_label(label, exact=True).fill(value)


def fill_by_placeholder(page: Page, placeholder: str, value: str) -> None:
    page.get_by_placeholder(placeholder, exact=True).fill(value)


def select_option(page: Page, label: str, option: str) -> None:
    page.get_by_label(label, exact=True).select_option(option)


def check(page: Page, label: str) -> None:
    page.get_by_label(label, exact=True).check()


def uncheck(page: Page, label: str) -> None:
    page.get_by_label(label, exact=True).uncheck()


def press_key(page: Page, key: str) -> None:
    page.keyboard.press(key)


def _set_field(field: Locator, label: str, value: str) -> None:
    # One table may mix text fields, drop-downs and tick boxes; asking the element what it
    # is keeps the feature free of widget types.
    kind = field.evaluate("el => el.tagName.toLowerCase() + ':' + (el.type || '').toLowerCase()")
    if kind.startswith("select:"):
        field.select_option(value)
    elif kind in {"input:checkbox", "input:radio"}:
        word = value.strip().lower()
        if word not in _TRUE_WORDS | _FALSE_WORDS:
            raise ValueError(f'"{label}" is a {kind.split(":")[1]}: use yes or no, not "{value}"')
        field.set_checked(word in _TRUE_WORDS)
    else:
        field.fill(value)


def field_value_rows(rows: list[list[str]], table: str = "form") -> list[tuple[str, str]]:
    """The ``(field, value)`` pairs of a ``| field | value |`` data table; a header row is optional."""
    if rows and [cell.strip().lower() for cell in rows[0]] == ["field", "value"]:
        rows = rows[1:]
    pairs = []
    for row in rows:
        if len(row) != 2:
            raise ValueError(f"each row of the {table} table needs two cells, field and value; got {row}")
        pairs.append((row[0], row[1]))
    return pairs


def fill_form(page: Page, rows: list[list[str]]) -> None:
    """Fill fields by label from ``| field | value |`` rows; a header row is optional."""
    for label, value in field_value_rows(rows):
        _set_field(page.get_by_label(label.strip(), exact=True), label, value)


def take_screenshot(evidence: Evidence, name: str) -> None:
    evidence.screenshot(name)


# -- checks ----------------------------------------------------------------------------


def see_text(page: Page, text: str) -> None:
    # Several elements may hold the text (a nav link and a heading); one visible is enough.
    expect(page.get_by_text(text).filter(visible=True).first).to_be_visible()


def does_not_see_text(page: Page, text: str) -> None:
    expect(page.get_by_text(text).filter(visible=True)).to_have_count(0)


def see_page_text(page: Page, text: str) -> None:
    # innerText puts line breaks between blocks, so a multi-line doc string matches text
    # spread over paragraphs or list items once whitespace is collapsed on both sides.
    expect(page.locator("body")).to_contain_text(_normalize(text), use_inner_text=True)


def see_heading(page: Page, name: str) -> None:
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()


def see_alert(page: Page, text: str) -> None:
    # A list of one expected text passes when any of several alerts contains it, and
    # still reports every alert's actual text when none does.
    expect(page.get_by_role("alert").filter(visible=True)).to_contain_text([text])


def url_ends_with(page: Page, suffix: str) -> None:
    expect(page).to_have_url(re.compile(re.escape(suffix) + r"$"))


def url_contains(page: Page, part: str) -> None:
    expect(page).to_have_url(re.compile(re.escape(part)))


def title_is(page: Page, title: str) -> None:
    expect(page).to_have_title(title)


def title_contains(page: Page, part: str) -> None:
    expect(page).to_have_title(re.compile(re.escape(part)))


def element_has_text(page: Page, test_id: str, text: str) -> None:
    expect(page.get_by_test_id(test_id)).to_have_text(text)


def element_contains(page: Page, test_id: str, text: str) -> None:
    expect(page.get_by_test_id(test_id)).to_contain_text(text)


def element_is_visible(page: Page, test_id: str) -> None:
    expect(page.get_by_test_id(test_id)).to_be_visible()


def element_is_hidden(page: Page, test_id: str) -> None:
    expect(page.get_by_test_id(test_id)).to_be_hidden()


def list_has_items(page: Page, name: str, count: int) -> None:
    items = page.get_by_role("list", name=name, exact=True).get_by_role("listitem")
    expect(items).to_have_count(count)


def field_has_value(page: Page, label: str, value: str) -> None:
    expect(page.get_by_label(label, exact=True)).to_have_value(value)


# -- step definitions ------------------------------------------------------------------
# Actions are Given and When (a Background sets the scene with the same words a
# scenario acts with); checks are Then. The screenshot step fits anywhere.


@given(phrase('I open "{path}"'))
@when(phrase('I open "{path}"'))
def _open(page: Page, base_url: str, path: str) -> None:
    open_path(page, path, base_url)


@given(phrase('I click the "{name}" button'))
@when(phrase('I click the "{name}" button'))
def _click_button(page: Page, name: str) -> None:
    click_button(page, name)


@given(phrase('I click the "{name}" link'))
@when(phrase('I click the "{name}" link'))
def _click_link(page: Page, name: str) -> None:
    click_link(page, name)


@given(phrase('I click "{text}"'))
@when(phrase('I click "{text}"'))
def _click_text(page: Page, text: str) -> None:
    click_text(page, text)


@given(phrase('I fill in "{label}" with "{value}"'))
@when(phrase('I fill in "{label}" with "{value}"'))
def _fill_by_label(page: Page, label: str, value: str) -> None:
    fill_by_label(page, label, value)


@given(phrase('I fill in the placeholder "{placeholder}" with "{value}"'))
@when(phrase('I fill in the placeholder "{placeholder}" with "{value}"'))
def _fill_by_placeholder(page: Page, placeholder: str, value: str) -> None:
    fill_by_placeholder(page, placeholder, value)


@given(phrase("I fill in the form:"))
@when(phrase("I fill in the form:"))
def _fill_form(page: Page, datatable: list[list[str]]) -> None:
    fill_form(page, datatable)


@given(phrase('I select "{option}" from "{label}"'))
@when(phrase('I select "{option}" from "{label}"'))
def _select_option(page: Page, option: str, label: str) -> None:
    select_option(page, label, option)


@given(phrase('I check "{label}"'))
@when(phrase('I check "{label}"'))
def _check(page: Page, label: str) -> None:
    check(page, label)


@given(phrase('I uncheck "{label}"'))
@when(phrase('I uncheck "{label}"'))
def _uncheck(page: Page, label: str) -> None:
    uncheck(page, label)


@given(phrase('I press "{key}"'))
@when(phrase('I press "{key}"'))
def _press_key(page: Page, key: str) -> None:
    press_key(page, key)


@step(phrase('I take a screenshot named "{name}"'))
def _take_screenshot(evidence: Evidence, name: str) -> None:
    take_screenshot(evidence, name)


@then(phrase('I see "{text}"'))
def _see_text(page: Page, text: str) -> None:
    see_text(page, text)


@then(phrase('I do not see "{text}"'))
def _does_not_see_text(page: Page, text: str) -> None:
    does_not_see_text(page, text)


@then(phrase("I see the text:"))
def _see_page_text(page: Page, docstring: str) -> None:
    see_page_text(page, docstring)


@then(phrase('I see the heading "{name}"'))
def _see_heading(page: Page, name: str) -> None:
    see_heading(page, name)


@then(phrase('I see the alert "{text}"'))
def _see_alert(page: Page, text: str) -> None:
    see_alert(page, text)


@then(phrase('the URL ends with "{suffix}"'))
def _url_ends_with(page: Page, suffix: str) -> None:
    url_ends_with(page, suffix)


@then(phrase('the URL contains "{part}"'))
def _url_contains(page: Page, part: str) -> None:
    url_contains(page, part)


@then(phrase('the page title is "{title}"'))
def _title_is(page: Page, title: str) -> None:
    title_is(page, title)


@then(phrase('the page title contains "{part}"'))
def _title_contains(page: Page, part: str) -> None:
    title_contains(page, part)


@then(phrase('the element with test id "{test_id}" has text "{text}"'))
def _test_id_has_text(page: Page, test_id: str, text: str) -> None:
    element_has_text(page, test_id, text)


@then(phrase('the element with test id "{test_id}" contains "{text}"'))
def _test_id_contains(page: Page, test_id: str, text: str) -> None:
    element_contains(page, test_id, text)


@then(phrase('the element with test id "{test_id}" is visible'))
def _test_id_is_visible(page: Page, test_id: str) -> None:
    element_is_visible(page, test_id)


@then(phrase('the element with test id "{test_id}" is hidden'))
def _test_id_is_hidden(page: Page, test_id: str) -> None:
    element_is_hidden(page, test_id)


@then(phrase('the list "{name}" has {count:d} items'))
@then(phrase('the list "{name}" has {count:d} item'))
def _list_has_items(page: Page, name: str, count: str) -> None:
    list_has_items(page, name, int(count))


@then(phrase('the field "{label}" has the value "{value}"'))
def _field_has_value(page: Page, label: str, value: str) -> None:
    field_has_value(page, label, value)
