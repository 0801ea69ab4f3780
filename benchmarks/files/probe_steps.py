"""Steps of the start-up probe: each writes time.time() to probe/<name> beside steps/."""

import time
from pathlib import Path

from pytest_bdd import given

OUT = Path(__file__).resolve().parents[1] / "probe"


def _note(name: str) -> None:
    OUT.mkdir(exist_ok=True)
    (OUT / name).write_text(repr(time.time()))


@given("the start-up probe notes the time")
def _scenario_started() -> None:
    _note("first-step")


@given("the start-up probe notes the time with its page open")
def _page_ready(page) -> None:
    _note("page-ready")
