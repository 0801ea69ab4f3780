"""The suite's two steps doing nothing: pytest + pytest-bdd + xdist alone."""

from pytest_bdd import given, parsers, then


@given(parsers.parse('I open "{path}", which answers {status:d}'))
def open_path(path: str, status: int) -> None:
    pass


@then(parsers.parse('I see the heading "{name}"'))
def see_heading(name: str) -> None:
    pass
