"""pytest-playwright with the runner's Chromium, flags and viewport; the suite's two steps."""

import json
import os

import pytest
from playwright.sync_api import Page, expect
from pytest_bdd import given, parsers, then


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": os.environ["BENCH_CHROMIUM"],
        "args": json.loads(os.environ["BENCH_CHROMIUM_ARGS"]),
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1920, "height": 1080}}


@given(parsers.parse('I open "{path}", which answers {status:d}'))
def open_path(page: Page, path: str, status: int) -> None:
    response = page.goto(path)
    assert response is not None and response.status == status


@then(parsers.parse('I see the heading "{name}"'))
def see_heading(page: Page, name: str) -> None:
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
