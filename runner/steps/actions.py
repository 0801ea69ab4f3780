"""What the action phrases do: open, click, fill, select, tick, press, screenshot.

Every element is found by :mod:`runner.steps.lookup` (label, accessible name, placeholder,
text; names as a person reads them), so a missing one fails within the action timeout
saying what the page has instead.
"""

from __future__ import annotations

import re
from typing import Any, Protocol
from urllib.parse import urljoin

from playwright.sync_api import Page

from runner.steps.explain import FIELD_ROLES, NotOnPage
from runner.steps.lookup import find, find_field, find_option, find_role, resolve
from runner.steps.names import name_pattern

__all__ = [
    "Evidence",
    "check",
    "click_button",
    "click_link",
    "click_text",
    "fill_by_label",
    "fill_by_placeholder",
    "open_path",
    "press_key",
    "select_option",
    "take_screenshot",
    "uncheck",
    "url_for",
]


class Evidence(Protocol):
    """What the runner's ``evidence`` fixture offers to steps."""

    def screenshot(self, name: str, page: Page | None = None) -> Any: ...


_ABSOLUTE_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def url_for(base_url: str, path: str) -> str:
    """``path`` resolved against ``base_url`` exactly as Playwright's ``page.goto`` does
    (``new URL(path, baseURL)``): ``"/login"`` goes to the host's root, ``"login"`` next to
    the base (``https://host/shop/`` + ``login`` = ``https://host/shop/login``), ``"/"`` with
    ``https://host/index.html`` to ``https://host/``; a full URL is kept as it is."""
    if _ABSOLUTE_URL.match(path):
        return path
    return urljoin(base_url, path)


def open_path(page: Page, path: str, base_url: str | None = None, status: int | None = None) -> None:
    """Go to ``path`` below ``base_url`` (default: the browser context's base URL).

    A 4xx or 5xx answer fails here, naming the status and the URL, instead of showing up
    later as a click that times out on the wrong page; with ``status`` (a page that is meant
    to answer 404, say) the answer must be exactly that.
    """
    response = page.goto(url_for(base_url, path) if base_url else path)
    if response is None:
        return  # the same document (a #fragment): nothing was answered
    reason = f" {response.status_text}" if response.status_text else ""
    if status is not None and response.status != status:
        raise NotOnPage(
            f'I open "{path}": expected the app to answer {status}, it answered {response.status}{reason} for {response.url}'
        )
    if status is None and response.status >= 400:
        raise NotOnPage(f'I open "{path}": the app answered {response.status}{reason} for {response.url}')


def click_button(page: Page, name: str) -> None:
    find_role(page, "button", name).click()


def click_link(page: Page, name: str) -> None:
    find_role(page, "link", name).click()


def click_text(page: Page, text: str) -> None:
    """Click what a person calls ``text``: a labelled control, a named button or link, else exact text."""
    find(page, text).click()


def fill_by_label(page: Page, label: str, value: str) -> None:
    find_field(page, label).fill(value)


def fill_by_placeholder(page: Page, placeholder: str, value: str) -> None:
    field = resolve(
        page, [page.get_by_placeholder(name_pattern(placeholder))], "field", placeholder, FIELD_ROLES
    )
    field.fill(value)


def select_option(page: Page, label: str, option: str) -> None:
    """Choose ``option`` (its label as a person reads it, else its value) in the select named ``label``."""
    field = find_field(page, label, roles=("combobox", "listbox"))
    field.select_option(find_option(field, label, option))


def _tickable(page: Page, label: str) -> Any:
    field = find_field(page, label, roles=("checkbox", "radio", "switch"))
    if field.evaluate("el => !['checkbox', 'radio'].includes(el.type) && !el.getAttribute('role')"):
        raise NotOnPage(f'"{label}" is not a checkbox or radio button')
    return field


def check(page: Page, label: str) -> None:
    _tickable(page, label).check()


def uncheck(page: Page, label: str) -> None:
    _tickable(page, label).uncheck()


def press_key(page: Page, key: str) -> None:
    page.keyboard.press(key)


def take_screenshot(evidence: Evidence, name: str) -> None:
    evidence.screenshot(name)
