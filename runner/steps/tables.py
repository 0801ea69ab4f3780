"""Data tables of fields: ``I fill in the form:`` and ``I fill in row N of the "TABLE" table with:``.

Both take ``| name | value |`` rows (a ``| field | value |`` or ``| column | value |``
header row is optional). A value goes into whatever the field is: a select takes an
option's label (or value), a checkbox or radio ``yes``/``no`` (also ``true``/``false``),
anything else is typed in.

A table of rows (a formset, Django's tabular inline) is found by its caption or accessible
name, else by the heading just before it; row N counts its visible body rows from 1, and a
cell is found by its column header, named as a person reads it.
"""

from __future__ import annotations

from playwright.sync_api import Locator, Page

from runner.steps.explain import FIELD_ROLES, NotOnPage
from runner.steps.lookup import find_field, find_option, resolve
from runner.steps.names import name_pattern, normalise, quoted

__all__ = ["field_value_rows", "fill_form", "fill_row", "find_table", "set_field"]

_TRUE_WORDS = {"yes", "true", "on", "checked", "x", "1"}
_FALSE_WORDS = {"no", "false", "off", "unchecked", "", "0"}
_HEADERS = ({"field", "value"}, {"column", "value"})


def field_value_rows(rows: list[list[str]], table: str = "form") -> list[tuple[str, str]]:
    """The ``(name, value)`` pairs of a two-column data table; a header row is optional."""
    if rows and {cell.strip().lower() for cell in rows[0]} in _HEADERS and len(rows[0]) == 2:
        rows = rows[1:]
    pairs = []
    for row in rows:
        if len(row) != 2:
            raise ValueError(f"each row of the {table} table needs two cells, name and value; got {row}")
        pairs.append((row[0].strip(), row[1]))
    return pairs


def set_field(field: Locator, name: str, value: str) -> None:
    """Fill, select or tick ``field`` with ``value``, asking the element what it is."""
    # One table may mix text fields, drop-downs and tick boxes; asking the element keeps
    # the feature free of widget types.
    kind = field.evaluate("el => el.tagName.toLowerCase() + ':' + (el.type || '').toLowerCase()")
    if kind.startswith("select:"):
        field.select_option(find_option(field, name, value))
    elif kind in {"input:checkbox", "input:radio"}:
        word = value.strip().lower()
        if word not in _TRUE_WORDS | _FALSE_WORDS:
            raise ValueError(f'"{name}" is a {kind.split(":")[1]}: use yes or no, not "{value}"')
        field.set_checked(word in _TRUE_WORDS)
    else:
        field.fill(value)


def fill_form(page: Page, rows: list[list[str]]) -> None:
    """Each ``| field | value |`` row into the field of that name (label, accessible name, placeholder)."""
    for name, value in field_value_rows(rows):
        set_field(find_field(page, name), name, value)


def find_table(page: Page, name: str) -> Locator:
    """A table by its caption or accessible name, else the first table after a heading of that name."""
    pattern = name_pattern(name)
    ways = [
        page.get_by_role("table", name=pattern),
        page.get_by_role("heading", name=pattern).locator("xpath=following::table[1]"),
    ]
    return resolve(page, ways, "table", name, ("table", "heading"))


def fill_row(page: Page, table_name: str, number: int, rows: list[list[str]]) -> None:
    """Fill the cells of visible body row ``number`` (from 1) of a table, by column header."""
    pairs = field_value_rows(rows, table="row")
    table = find_table(page, table_name)
    headers = [normalise(text) for text in table.get_by_role("columnheader").all_inner_texts()]
    # Body rows are the rows with data cells; hidden ones (a formset's empty template) are
    # not in the accessibility tree, so not counted.
    body = table.get_by_role("row").filter(has=page.get_by_role("cell"))
    count = body.count()
    if not 1 <= number <= count:
        raise NotOnPage(f'The "{table_name}" table has {count} visible body rows: there is no row {number}')
    row = body.nth(number - 1)
    for column, value in pairs:
        wanted = normalise(column)
        if wanted not in headers:
            shown = quoted([h for h in headers if h])
            raise NotOnPage(f'No column "{column}" in the "{table_name}" table. Columns here: {shown}')
        cell = row.locator("xpath=./td|./th").nth(headers.index(wanted))
        fields = [cell.get_by_role(role) for role in FIELD_ROLES]  # type: ignore[arg-type]
        field = fields[0]
        for other in fields[1:]:
            field = field.or_(other)
        field = field.filter(visible=True)
        if field.count() == 0:
            raise NotOnPage(f'No field in the "{column}" column of row {number} of the "{table_name}" table')
        set_field(field.first, f"{column} (row {number})", value)
