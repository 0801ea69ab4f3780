"""A step that fails on its first attempt only (tests/test_plugin.py, --reruns)."""

from pathlib import Path

from pytest_bdd import then

MARK = Path(__file__).with_name("attempted")


@then("the first attempt fails")
def _(page):
    if not MARK.exists():
        MARK.write_text("1")
        raise AssertionError("first attempt fails on purpose")
