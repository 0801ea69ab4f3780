"""A step that takes long, so a test can interrupt a run in the middle of a scenario."""

from __future__ import annotations

import os
import time
from pathlib import Path

from pytest_bdd import parsers, when


@when(parsers.parse("I wait {seconds:d} seconds"))
def wait(seconds: int) -> None:
    marker = os.environ.get("E2E_TEST_WAITING_MARKER")
    if marker:
        Path(marker).write_text("waiting")
    time.sleep(seconds)
