"""A step that logs a console error (tests/test_plugin.py)."""

from pytest_bdd import parsers, when


@when(parsers.parse('the page logs the error "{text}"'))
def _(page, text):
    page.evaluate("t => console.error(t)", text)
