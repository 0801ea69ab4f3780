"""A plain Chromium for tests that open something themselves (a report, the demo app, a served
site) rather than run scenarios: found the way the runner finds it, launched with the flags that
keep it from calling anyone, and closed after.

A context manager, not a conftest fixture: a fixture named ``browser`` there would shadow the
runner plugin's own ``browser`` for every test, and the tests that use this want it per module.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from tests.support.ci import require
from tests.support.paths import REPO

if TYPE_CHECKING:
    from playwright.sync_api import Browser

def chromium_path(root: Path = REPO) -> str:
    """The Chromium the runner would use for ``root``'s settings; a missing one skips (fails in CI)."""
    from runner.browser.chromium import ChromiumNotFound, find_chromium
    from runner.settings import resolve

    try:
        return find_chromium(resolve(root))
    except ChromiumNotFound as exc:
        require(False, str(exc))
        raise  # not reached: require skipped or failed


@contextmanager
def chromium(root: Path = REPO) -> Iterator[Browser]:
    """A launched Chromium (its own Playwright), closed when the block ends."""
    from playwright.sync_api import sync_playwright

    from runner.browser.chromium import QUIET_ARGS  # the runner's own: nothing sent off the machine

    executable = chromium_path(root)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=list(QUIET_ARGS))
        try:
            yield browser
        finally:
            browser.close()
