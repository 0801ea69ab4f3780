"""Finding what a person sees: the one lookup order of every phrase that names an element.

Each name is compared as :mod:`runner.steps.names` says (``"Username"`` finds
``Username:``). The ways are tried in this order, and the first that finds a visible element
is used:

1. **label**: ``<label for>``, a wrapping ``<label>``, ``aria-label``, ``aria-labelledby``
   (Playwright's ``get_by_label``);
2. **accessible name** of an element of the expected role (``get_by_role``): what a screen
   reader says, so a ``<select>`` inside its ``<label>`` or a box labelled by an
   ``<img alt="Search">`` is found too;
3. **placeholder** (``get_by_placeholder``), for fields;
4. **text** (``get_by_text``), for ``I click "..."``.

A button, link or heading is found by 2 only. No CSS selectors are guessed. The wait for
the element is bounded by the context's default timeout (the runner sets it to
``action_timeout``); when nothing is there by then, the error says what the page has
instead (:mod:`runner.steps.explain`), and several visible matches fail naming how many.
"""

from __future__ import annotations

from functools import reduce

from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from runner.steps.explain import FIELD_ROLES, NotOnPage, not_found
from runner.steps.names import name_pattern, normalise, quoted

__all__ = ["CLICKABLE_ROLES", "find", "find_field", "find_option", "find_role", "resolve"]

CLICKABLE_ROLES = ("button", "link", "menuitem", "tab", "checkbox", "radio", "switch", "option", "treeitem")


def _either(locators: list[Locator]) -> Locator:
    return reduce(lambda a, b: a.or_(b), locators)


def resolve(page: Page, ways: list[Locator], kind: str, name: str, roles: tuple[str, ...] | str) -> Locator:
    """The one visible element the first matching way finds, waited for up to the action timeout.

    ``ways`` are tried in order; several visible matches of the first way that has any is
    an error naming how many (a person could not tell which one either).
    """
    visible = [way.filter(visible=True) for way in ways]
    try:
        _either(visible).first.wait_for(state="visible")
    except PlaywrightTimeoutError:
        raise not_found(page, kind, name, roles) from None
    for way in visible:
        count = way.count()
        if count == 1:
            return way
        if count > 1:
            raise NotOnPage(f'{count} visible {kind}s match "{name}"; a step needs exactly one')
    return _either(visible).first  # it went away between the wait and the count: let the action wait


def find_field(page: Page, name: str, roles: tuple[str, ...] = FIELD_ROLES) -> Locator:
    """A field by label, accessible name or placeholder."""
    pattern = name_pattern(name)
    ways = [page.get_by_label(pattern)]
    ways += [page.get_by_role(role, name=pattern) for role in roles]  # type: ignore[arg-type]
    ways.append(page.get_by_placeholder(pattern))
    return resolve(page, ways, "field", name, FIELD_ROLES)


def find_role(page: Page, role: str, name: str) -> Locator:
    """A button, link, heading ... by its accessible name."""
    return resolve(page, [page.get_by_role(role, name=name_pattern(name))], role, name, role)  # type: ignore[arg-type]


def find(page: Page, name: str) -> Locator:
    """Anything a person clicks, by label, accessible name, then exact text."""
    pattern = name_pattern(name)
    ways = [page.get_by_label(pattern)]
    ways += [page.get_by_role(role, name=pattern) for role in CLICKABLE_ROLES]  # type: ignore[arg-type]
    ways.append(page.get_by_text(pattern))
    return resolve(page, ways, "element", name, CLICKABLE_ROLES)


def find_option(select: Locator, field: str, option: str) -> str:
    """The value of the ``<select>``'s option whose label (else value) is ``option`` as a person reads it."""
    options: list[list[str]] = select.evaluate("el => [...el.options].map(o => [o.value, o.label])")
    wanted = normalise(option)
    for value, label in options:
        if normalise(label) == wanted:
            return value
    for value, _ in options:
        if value == option:
            return value
    labels = [label for _, label in options]
    raise NotOnPage(f'No option "{option}" in "{field}". Options here: {quoted(labels, limit=12)}')
