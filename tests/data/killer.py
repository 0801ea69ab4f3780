"""A step that kills the shared browser mid-run (tests/test_plugin.py)."""

import json
import os
import signal
from pathlib import Path

from pytest_bdd import when


@when("the shared browser is killed")
def _(page):
    for state in Path(os.environ["E2E_STATE_DIR"]).glob("browser-*.json"):
        os.killpg(json.loads(state.read_text())["pid"], signal.SIGKILL)
