"""Our phrases for the todo app, built on the runner's generic step functions."""

from __future__ import annotations

from playwright.sync_api import Page
from pytest_bdd import when

from runner.steps.web import click_button, fill_by_label, phrase


@when(phrase('I add the todo "{title}"'))
def add_todo(page: Page, title: str) -> None:
    fill_by_label(page, "New todo", title)
    click_button(page, "Add")


@when(phrase('I mark "{title}" as done'))
def mark_done(page: Page, title: str) -> None:
    item = page.get_by_role("list", name="Todos").get_by_role("listitem").filter(has_text=title)
    item.get_by_label("Done", exact=True).check()
