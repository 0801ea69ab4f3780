"""Generic web steps: the phrases every feature can use, on any web app.

Every step finds elements the way a person does, in one order (label, accessible name,
placeholder, text: see ``runner.steps.lookup``), and compares names as a person reads
them: equal (case-sensitive) after collapsing whitespace and stripping trailing colons,
asterisks and spaces on both sides, so ``"Username"`` finds the label ``Username:``.
Actions wait for their element up to the action timeout, checks are Playwright
assertions (``expect``) that retry up to the expect timeout; no step sleeps or polls. A
failure's first line says what was looked for and what the page has instead, as in:
No field labelled "Username". Fields here: "Login:", "Password:".

Quoted values may be empty (``""``) but cannot contain a double quote. "I see"
matches a part of a visible text (any case).

==========================================================================  ==========  ==========================================================
Phrase                                                                      Keywords    What it does
==========================================================================  ==========  ==========================================================
``I open "/path"``                                                          Given/When  go to a path below the base URL; a 4xx or 5xx answer fails
``I open "/missing", which answers 404``                                    Given/When  the same, the answer must be exactly this status
``I click the "Sign in" button``                                            Given/When  click a button by accessible name
``I click the "Search" link``                                               Given/When  click a link by accessible name
``I click "Some text"``                                                     Given/When  click by label, accessible name, else exact text
``I fill in "Username" with "demo"``                                        Given/When  fill the field by label, accessible name or placeholder
``I fill in the placeholder "Title" with "x"``                              Given/When  fill the field with this placeholder
``I fill in the form:`` + table ``| field | value |``                       Given/When  fill, select or tick fields by name
``I fill in row 2 of the "Chapters" table with:`` + ``| column | value |``  Given/When  fill the cells of a table's body row by column
``I select "Science" from "Favourite genre"``                               Given/When  choose an option (by label or value)
``I check "Remember me"``                                                   Given/When  tick a checkbox or choose a radio button
``I uncheck "Remember me"``                                                 Given/When  untick a checkbox
``I press "Enter"``                                                         Given/When  press a key in the focused element
``I take a screenshot named "after-login"``                                 any         screenshot of the page into the report
``I see "Welcome"``                                                         Then        a visible element contains this text
``I do not see "Error"``                                                    Then        no visible element contains this text
``I see the text:`` + doc string``                                          Then        the page shows this (multi-line) text
``I see the heading "Sign in"``                                             Then        a heading with this name
``I do not see the "Add book" link``                                        Then        no visible link with this name
``I do not see the "Delete" button``                                        Then        no visible button with this name
``I do not see the "Error" heading``                                        Then        no visible heading with this name
``I do not see the heading "Error"``                                        Then        the same, worded like ``I see the heading``
``I see the alert "Invalid password."``                                     Then        an element with role alert contains this
``the URL ends with "/account"``                                            Then        the page URL ends with this
``the URL contains "q=python"``                                             Then        the page URL contains this
``the page title is "Home"``                                                Then        the title is exactly this
``the page title contains "Home"``                                          Then        the title contains this
``the element with test id "status" has text "Done"``                       Then        exact text of a ``data-testid`` element
``the element with test id "status" contains "Done"``                       Then        part of the text of that element
``the element with test id "status" is visible``                            Then        that element is visible
``the element with test id "status" is hidden``                             Then        that element is hidden or absent
``the list "Results" has 3 items``                                          Then        list items of the named list (role list)
``the list "Results" has 1 item``                                           Then        the same, in the singular
``the field "Email" has the value "a@b.c"``                                 Then        current value of the named field
==========================================================================  ==========  ==========================================================

The functions behind the phrases (``open_path``, ``click_button``, ``see_text`` ...)
are public, so custom steps and steps in other languages reuse them instead of
copying the Playwright calls.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page
from pytest_bdd import given, parsers, step, then, when

from runner.steps.actions import (
    Evidence,
    check,
    click_button,
    click_link,
    click_text,
    fill_by_label,
    fill_by_placeholder,
    open_path,
    press_key,
    select_option,
    take_screenshot,
    uncheck,
    url_for,
)
from runner.steps.checks import (
    does_not_see_role,
    does_not_see_text,
    element_contains,
    element_has_text,
    element_is_hidden,
    element_is_visible,
    field_has_value,
    list_has_items,
    see_alert,
    see_heading,
    see_page_text,
    see_text,
    title_contains,
    title_is,
    url_contains,
    url_ends_with,
)
from runner.steps.explain import NotOnPage
from runner.steps.tables import field_value_rows, fill_form, fill_row

__all__ = [
    "Evidence",
    "NotOnPage",
    "check",
    "click_button",
    "click_link",
    "click_text",
    "does_not_see_role",
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
    "fill_row",
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


# -- step definitions ------------------------------------------------------------------
# Actions are Given and When (a Background sets the scene with the same words a
# scenario acts with); checks are Then. The screenshot step fits anywhere.


@given(phrase('I open "{path}"'))
@when(phrase('I open "{path}"'))
def _open(page: Page, base_url: str, path: str) -> None:
    open_path(page, path, base_url)


@given(phrase('I open "{path}", which answers {status:d}'))
@when(phrase('I open "{path}", which answers {status:d}'))
def _open_expecting(page: Page, base_url: str, path: str, status: str) -> None:
    open_path(page, path, base_url, status=int(status))


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


@given(phrase('I fill in row {number:d} of the "{table}" table with:'))
@when(phrase('I fill in row {number:d} of the "{table}" table with:'))
def _fill_row(page: Page, number: str, table: str, datatable: list[list[str]]) -> None:
    fill_row(page, table, int(number), datatable)


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


@then(phrase('I do not see the "{name}" link'))
def _no_link(page: Page, name: str) -> None:
    does_not_see_role(page, "link", name)


@then(phrase('I do not see the "{name}" button'))
def _no_button(page: Page, name: str) -> None:
    does_not_see_role(page, "button", name)


@then(phrase('I do not see the "{name}" heading'))
@then(phrase('I do not see the heading "{name}"'))
def _no_heading(page: Page, name: str) -> None:
    does_not_see_role(page, "heading", name)


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
