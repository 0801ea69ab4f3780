"""What the check phrases do: Playwright ``expect`` assertions, explained when they fail.

Each check waits up to the expect timeout. A failing check about a name or a text says in
its first line what it looked for and the closest things the page has; the page's
accessibility snapshot goes into the report as an attachment, not into the message.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from runner.steps.explain import NotOnPage, aria_snapshot, attach_snapshot, not_found, visible_texts
from runner.steps.lookup import find_field
from runner.steps.names import closest, name_pattern, quoted

__all__ = [
    "does_not_see_role",
    "does_not_see_text",
    "element_contains",
    "element_has_text",
    "element_is_hidden",
    "element_is_visible",
    "field_has_value",
    "list_has_items",
    "see_alert",
    "see_heading",
    "see_page_text",
    "see_text",
    "title_contains",
    "title_is",
    "url_contains",
    "url_ends_with",
]


def _text_missing(page: Page, text: str) -> NotOnPage:
    attach_snapshot(aria_snapshot(page))
    near = closest(text, visible_texts(page), limit=3)
    return NotOnPage(f'Did not see "{text}". Closest texts here: {quoted(near)}')


def see_text(page: Page, text: str) -> None:
    # Several elements may hold the text (a nav link and a heading); one visible is enough.
    try:
        expect(page.get_by_text(text).filter(visible=True).first).to_be_visible()
    except AssertionError:
        raise _text_missing(page, text) from None


def does_not_see_text(page: Page, text: str) -> None:
    shown = page.get_by_text(text).filter(visible=True)
    try:
        expect(shown).to_have_count(0)
    except AssertionError:
        found = [" ".join(t.split()) for t in shown.all_inner_texts()]
        raise NotOnPage(f'Still see "{text}", in: {quoted(found, limit=3)}') from None


def see_page_text(page: Page, text: str) -> None:
    # innerText puts line breaks between blocks, so a multi-line doc string matches text
    # spread over paragraphs or list items once whitespace is collapsed on both sides.
    wanted = " ".join(text.split())
    try:
        expect(page.locator("body")).to_contain_text(wanted, use_inner_text=True)
    except AssertionError:
        raise _text_missing(page, wanted) from None


def see_heading(page: Page, name: str) -> None:
    headings = page.get_by_role("heading", name=name_pattern(name)).filter(visible=True)
    # One wait for exactly one (a single round trip to the browser when it passes); only a
    # failure counts again, to say which way it failed.
    try:
        expect(headings).to_have_count(1)
    except AssertionError:
        if (count := headings.count()) > 1:
            raise NotOnPage(f'{count} visible headings match "{name}"; a step needs exactly one') from None
        raise not_found(page, "heading", name, "heading") from None


def does_not_see_role(page: Page, role: str, name: str) -> None:
    """No visible ``role`` (link, button, heading) named ``name``, waiting up to the expect timeout."""
    shown = page.get_by_role(role, name=name_pattern(name)).filter(visible=True)  # type: ignore[arg-type]
    try:
        expect(shown).to_have_count(0)
    except AssertionError:
        count = shown.count()
        raise NotOnPage(
            f'The "{name}" {role} is still visible ({count} {role}{"s" * (count != 1)} of that name)'
        ) from None


def see_alert(page: Page, text: str) -> None:
    # A list of one expected text passes when any of several alerts contains it, and
    # still reports every alert's actual text when none does.
    alerts = page.get_by_role("alert").filter(visible=True)
    try:
        expect(alerts).to_contain_text([text])
    except AssertionError:
        found = [" ".join(t.split()) for t in alerts.all_inner_texts()]
        raise NotOnPage(f'No alert saying "{text}". Alerts here: {quoted(found)}') from None


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
    lists = page.get_by_role("list", name=name_pattern(name))
    try:
        # An empty list has no height, so it is not "visible"; it is there all the same.
        expect(lists.first).to_be_attached()
    except AssertionError:
        raise not_found(page, "list", name, "list") from None
    expect(lists.first.get_by_role("listitem")).to_have_count(count)


def field_has_value(page: Page, label: str, value: str) -> None:
    expect(find_field(page, label)).to_have_value(value)
