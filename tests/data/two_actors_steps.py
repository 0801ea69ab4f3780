"""Two actors, each with a browser context of their own (the new_context fixture)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from playwright.sync_api import Page
from pytest_bdd import given, parsers, then, when

from runner.steps.web import click_button, fill_by_label, open_path, see_heading


@dataclass
class Actor:
    name: str
    page: Page


@pytest.fixture
def alice(new_context) -> Actor:
    return Actor("Alice", new_context().new_page())


@pytest.fixture
def bob(new_context) -> Actor:
    return Actor("Bob", new_context(locale="de-DE").new_page())


@given(parsers.parse('Alice opens "{path}"'))
def alice_opens(alice: Actor, path: str) -> None:
    open_path(alice.page, path)


@given(parsers.parse('Bob opens "{path}"'))
def bob_opens(bob: Actor, path: str) -> None:
    open_path(bob.page, path)


@when(parsers.parse('Alice signs in with "{username}" and "{password}"'))
def alice_signs_in(alice: Actor, username: str, password: str) -> None:
    fill_by_label(alice.page, "Username", username)
    fill_by_label(alice.page, "Password", password)
    click_button(alice.page, "Sign in")


@then(parsers.parse('Bob sees the heading "{name}"'))
def bob_sees(bob: Actor, name: str) -> None:
    see_heading(bob.page, name)
