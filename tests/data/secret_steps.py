"""Steps that handle a secret the way real suites do: from the environment, into a password
field, and (by mistake) into a failure message and the browser console."""

from __future__ import annotations

import os

from playwright.sync_api import Page
from pytest_bdd import then, when

from runner.steps.web import click_button, fill_by_label, open_path


@when("I sign in with the password from the environment")
def sign_in(page: Page) -> None:
    open_path(page, "/login")
    fill_by_label(page, "Username", "demo")
    fill_by_label(page, "Password", os.environ["DEMO_PASSWORD"])
    page.evaluate("token => console.error('auth failed for token ' + token)", os.environ["API_TOKEN"])
    click_button(page, "Sign in")


@then("the secret is never printed")
def leak(page: Page) -> None:
    raise AssertionError(f"signed in with {os.environ['DEMO_PASSWORD']} and token {os.environ['API_TOKEN']}")
