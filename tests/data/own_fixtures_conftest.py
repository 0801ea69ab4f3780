"""A team's own context and page fixtures: evidence must not depend on ours (tests/test_plugin.py)."""

import pytest


@pytest.fixture
def context(browser, base_url):
    ctx = browser.new_context(base_url=base_url, viewport={"width": 800, "height": 600})
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()
