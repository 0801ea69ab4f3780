"""Steps around a browser server killed mid-step (tests/test_faults_browser.py)."""

import os
import shutil
import time
from pathlib import Path

from pytest_bdd import then, when

HERE = Path(__file__).parent.parent


@when("the browser is killed while this step runs")
def _(page):
    (HERE / "step-started").touch()
    deadline = time.monotonic() + 60
    while not (HERE / "browser-killed").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(2)  # still in the step a moment after the browser went


@then("I note which browser server this is")
def _(page):
    for state in Path(os.environ["E2E_STATE_DIR"]).glob("browser-*.json"):
        shutil.copy(state, HERE / "second-server.json")
