"""What one pytest process knows about the current run, kept on ``config.stash``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from runner.settings import Settings

if TYPE_CHECKING:
    from runner.browser.session import BrowserSession


@dataclass
class RunState:
    settings: Settings
    run_dir: Path
    made: tuple[Path, ...] = ()  # what this process made for the run (RunFolder.made): handed over at the end
    # The app under test's URL: found by the controller before any worker starts, handed to workers.
    base_url: str | None = None
    # This process's browser session, set by the ``e2e_browser_session`` fixture when first used.
    browser_session: BrowserSession | None = None


RUN_STATE = pytest.StashKey[RunState]()


def get_run_state(config: pytest.Config) -> RunState:
    state = config.stash.get(RUN_STATE, None)
    if state is None:
        raise pytest.UsageError(
            "The e2e fixtures are only available in a run of .feature files "
            "(pytest features/, or pass --e2e-run-dir)."
        )
    return state
