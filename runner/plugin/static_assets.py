"""The process's one ``StaticCache`` (``runner.browser.static_cache``), on ``config.stash``:
every context this process makes for the run (scenarios', ``new_context``'s, sign-ins') shares it,
unless ``static_cache`` is off."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext

from runner.browser.static_cache import StaticCache
from runner.plugin.state import get_run_state

STATIC_CACHE = pytest.StashKey[StaticCache]()


def use_static_cache(config: pytest.Config, context: BrowserContext) -> None:
    """Route ``context``'s static requests through the run's cache (nothing when it is off)."""
    if not get_run_state(config).settings.static_cache:
        return
    cache = config.stash.get(STATIC_CACHE, None)
    if cache is None:
        cache = config.stash[STATIC_CACHE] = StaticCache()
    cache.attach(context)
