"""A step that checks the browser's language (tests/test_plugin.py)."""

from pytest_bdd import parsers, then


@then(parsers.parse('the browser speaks "{lang}"'))
def speaks(page, lang):
    assert page.evaluate("navigator.language") == lang
