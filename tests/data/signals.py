"""Steps that signal and wait through files, for two runs at once (tests/test_browser_server.py)."""

import time
from pathlib import Path

from pytest_bdd import parsers, when

HERE = Path(__file__).parent.parent


@when(parsers.parse('I signal "{name}"'))
def _(name):
    (HERE / name).touch()


@when(parsers.parse('I wait for the signal "{name}"'))
def _(page, name):
    deadline = time.monotonic() + 120
    while not (HERE / name).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert (HERE / name).exists(), f"no signal {name}"
