"""What one pytest process knows about the current run, kept on ``config.stash``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from runner.settings import Settings

if TYPE_CHECKING:
    from runner.browser.session import BrowserSession
    from runner.plugin.app_under_test import AppUnderTest
    from runner.plugin.results import ResultWriter


@dataclass
class RunState:
    settings: Settings
    run_dir: Path
    is_controller: bool
    made: tuple[Path, ...] = ()  # what this process made for the run (RunFolder.made): handed over at the end
    base_url: str | None = None
    app: AppUnderTest | None = None
    holds_server: bool = False
    writer: ResultWriter | None = None
    browsers: BrowserSession | None = None


RUN_STATE = pytest.StashKey[RunState]()


def get_run_state(config: pytest.Config) -> RunState:
    state = config.stash.get(RUN_STATE, None)
    if state is None:
        raise pytest.UsageError(
            "The e2e fixtures are only available in a run of .feature files "
            "(pytest features/, or pass --e2e-run-dir)."
        )
    return state
