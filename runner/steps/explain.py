"""Failure messages that say what is there.

A check or lookup that fails raises :class:`NotOnPage` whose FIRST line says what was looked
for and the closest things the page has (``No field labelled "Username". Fields here:
"Username:", "Password:"``): that line is what run.json, the index and the terminal show.
The page's accessibility snapshot, which used to follow Playwright's own message and run to
hundreds of lines, is attached to the report instead.

What the page has is read from that same snapshot (roles and accessible names, as a screen
reader would say them) and, for text, from the body's rendered ``innerText``: only what a
person can see.
"""

from __future__ import annotations

import logging
import re

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from runner.steps.names import closest, quoted

__all__ = [
    "FIELD_ROLES",
    "NotOnPage",
    "aria_snapshot",
    "attach_snapshot",
    "names_by_role",
    "not_found",
    "visible_texts",
]

log = logging.getLogger(__name__)

# The roles of the things one types into, picks from or ticks.
FIELD_ROLES = (
    "textbox",
    "searchbox",
    "combobox",
    "listbox",
    "spinbutton",
    "checkbox",
    "radio",
    "slider",
    "switch",
)

# One node of an aria snapshot: `- role "name" [attrs]:`; names keep their escaped quotes.
_NODE = re.compile(r'^\s*- (?P<role>[a-z]+)(?: "(?P<name>(?:[^"\\]|\\.)*)")?')
_WHAT = {
    "field": ("field labelled", "Fields"),
    "button": ("button named", "Buttons"),
    "link": ("link named", "Links"),
    "heading": ("heading named", "Headings"),
    "table": ("table named", "Tables"),
    "element": ("element named", "Elements"),
}


class NotOnPage(AssertionError):
    """A lookup or check that failed; ``str()`` starts with the line a person reads first."""


def aria_snapshot(page: Page) -> str:
    """The page's accessibility snapshot, or "" when the page cannot give one (closed, navigating)."""
    try:
        return page.locator("body").aria_snapshot(timeout=2000)
    except PlaywrightError as exc:
        log.debug("no aria snapshot: %s", exc)
        return ""


def names_by_role(snapshot: str, roles: tuple[str, ...] | str) -> list[str]:
    """The accessible names (in page order, each once) of the snapshot's nodes with these roles."""
    wanted = (roles,) if isinstance(roles, str) else roles
    found: list[str] = []
    for line in snapshot.splitlines():
        match = _NODE.match(line)
        if match and match["role"] in wanted and match["name"]:
            found.append(match["name"].replace('\\"', '"').replace("\\\\", "\\"))
    return list(dict.fromkeys(found))


def attach_snapshot(snapshot: str, name: str = "accessibility snapshot") -> None:
    """The snapshot into the report, beside the failure (never into the message)."""
    if not snapshot:
        return
    try:
        import allure

        allure.attach(snapshot, name=name, attachment_type=allure.attachment_type.TEXT)
    except Exception as exc:  # no report being written (a plain script): the message still stands
        log.debug("snapshot not attached: %s", exc)


def not_found(page: Page, kind: str, name: str, roles: tuple[str, ...] | str, *, limit: int = 8) -> NotOnPage:
    """``No <kind> named "NAME". <Kinds> here: "a", "b"`` with the closest names first."""
    snapshot = aria_snapshot(page)
    attach_snapshot(snapshot)
    looked, plural = _WHAT.get(kind, (f"{kind} named", f"{kind.capitalize()}s"))
    here = closest(name, names_by_role(snapshot, roles), limit=limit)
    return NotOnPage(f'No {looked} "{name}". {plural} here: {quoted(here)}')


def visible_texts(page: Page) -> list[str]:
    """The page's visible texts, one per rendered line (innerText), in page order."""
    try:
        text = page.locator("body").inner_text(timeout=2000)
    except PlaywrightError:
        return []
    return [line.strip() for line in text.splitlines() if line.strip()]
