"""runner.steps.names and the pure parts of explain and tables: no browser."""

from __future__ import annotations

import pytest

from runner.steps.explain import names_by_role
from runner.steps.names import closest, name_pattern, normalise, quoted, same_name
from runner.steps.tables import field_value_rows


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Username:", "Username"),
        ("Title *", "Title"),
        ("  Date   of\nbirth:*  ", "Date of birth"),
        ("Action:", "Action"),
        ("Delete?", "Delete?"),
        (":", ""),
        ("Ratio: 1:2", "Ratio: 1:2"),
    ],
)
def test_normalise_collapses_whitespace_and_strips_trailing_colons_and_stars(
    text: str, expected: str
) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("wanted", "found", "same"),
    [
        ("Username", "Username:", True),
        ("Action:", "Action", True),
        ("Title", "Title *", True),
        ("Search", " Search ", True),
        ("username", "Username:", False),  # case-sensitive
        ("Save", "Save and continue editing", False),  # whole names only
        ("Add", "Add book", False),
    ],
)
def test_same_name_and_its_pattern_agree(wanted: str, found: str, same: bool) -> None:
    assert same_name(wanted, found) is same
    assert bool(name_pattern(wanted).search(found)) is same


def test_pattern_escapes_regex_characters() -> None:
    assert name_pattern("Price ($)").search("Price ($):")
    assert not name_pattern("a.c").search("abc")


def test_closest_puts_the_nearest_text_first_each_in_full() -> None:
    texts = ["Select book to change", "1 book marked as out of stock.", "Add book", "Go"]
    assert (
        closest("1 book was successfully marked as out of stock.", texts)[0]
        == "1 book marked as out of stock."
    )
    assert closest("x", []) == []
    assert closest("Go", ["Go", "Go", "Gone"], limit=5) == ["Go", "Gone"]


def test_quoted_bounds_long_lists() -> None:
    assert quoted([]) == "none"
    assert quoted(["a", "b"]) == '"a", "b"'
    assert quoted([str(i) for i in range(10)], limit=2) == '"0", "1" and 8 more'


SNAPSHOT = """\
- heading "Select book to change" [level=1]
- textbox "Username:"
- combobox "Action:":
  - option "---------" [selected]
- button "Go"
- link "Add book":
  - /url: book-add.html
- textbox "Say \\"hi\\""
- textbox
- text: Some text
"""


def test_names_by_role_reads_an_aria_snapshot() -> None:
    assert names_by_role(SNAPSHOT, ("textbox", "combobox")) == ["Username:", "Action:", 'Say "hi"']
    assert names_by_role(SNAPSHOT, "link") == ["Add book"]
    assert names_by_role(SNAPSHOT, "heading") == ["Select book to change"]


@pytest.mark.parametrize("header", [["field", "value"], ["column", "value"], ["Field", "Value"]])
def test_field_value_rows_header_is_optional(header: list[str]) -> None:
    assert field_value_rows([header, ["Title ", "x"]]) == [("Title", "x")]
    assert field_value_rows([["Title", "x"]]) == [("Title", "x")]


def test_field_value_rows_names_a_bad_row() -> None:
    with pytest.raises(ValueError, match=r"row table needs two cells"):
        field_value_rows([["a", "b", "c"]], table="row")
