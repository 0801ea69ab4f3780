"""A check that deliberately does not wait (tests/test_step_library.py)."""

from pytest_bdd import then


@then("the results have not arrived yet")
def _not_yet(page):
    assert page.get_by_test_id("results").get_by_role("listitem").count() == 0
