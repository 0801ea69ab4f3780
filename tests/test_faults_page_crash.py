"""A renderer that crashes mid-scenario is named in the failure, not as a bare timeout.

``CrashWatch`` listens to Playwright's ``crash`` event on every page of a scenario's
context; here a small stand-in emits the events as Playwright's sync API does (handlers
registered with ``on``, called with the page), and a real Playwright error is reworded.
A real renderer crash in a test (``chrome://crash``, CDP ``Page.crash``) left the page's
next call hanging past its own timeout on this Chromium: that case is the watchdog's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Error as PlaywrightError

from runner.plugin.crashes import CRASHED, CrashWatch
from runner.plugin.evidence import error_text


class _Emitter:
    def __init__(self) -> None:
        self.handlers: dict[str, list[Callable[[Any], None]]] = {}

    def on(self, event: str, handler: Callable[[Any], None]) -> None:
        self.handlers.setdefault(event, []).append(handler)

    def emit(self, event: str, value: Any) -> None:
        for handler in self.handlers.get(event, []):
            handler(value)


class _Page(_Emitter):
    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url


class _Context(_Emitter):
    def __init__(self, pages: list[_Page]) -> None:
        super().__init__()
        self.pages = pages


def test_a_crashed_page_is_named_in_the_step_error() -> None:
    first = _Page("http://app.test/")
    context = _Context([first])
    watch = CrashWatch()
    watch.watch(context)
    popup = _Page("http://app.test/report")
    context.emit("page", popup)
    error = PlaywrightError("Page.goto: Timeout 30000ms exceeded.")
    assert not watch.name_crash(error) and str(error) == "Page.goto: Timeout 30000ms exceeded."
    popup.emit("crash", popup)
    assert watch.is_crashed(popup) and not watch.is_crashed(first)
    assert watch.name_crash(error)
    text = error_text(error)
    assert text.startswith(f"{CRASHED} at http://app.test/report\n"), text
    assert "Page.goto: Timeout 30000ms exceeded." in text
    assert watch.name_crash(error) and str(error).count(CRASHED) == 1  # reworded once


def test_an_ordinary_error_is_reworded_too() -> None:
    page = _Page("http://app.test/big")
    watch = CrashWatch()
    watch.watch(_Context([page]))
    page.emit("crash", page)
    error = AssertionError("expected the heading")
    watch.name_crash(error)
    assert str(error).startswith(CRASHED)
