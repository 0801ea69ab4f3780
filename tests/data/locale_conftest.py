"""pytest-playwright's habit: browser_context_args overridden in a conftest (tests/test_plugin.py)."""

import pytest


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "de-DE"}
