"""One vocabulary of outcomes: a step that raises is ``failed`` in the report too.

allure-pytest-bdd calls a step (and its scenario) "broken" when what it raised is not an
``AssertionError`` -- a Playwright timeout, a team step's ``ValueError``, a step with no
definition -- while pytest, run.json, the index and the terminal call that scenario failed.
The contract is the runner's: a step that raises is ``failed`` everywhere; ``broken`` is
left only for errors outside steps (a fixture's setup, a teardown), which no step reports.

Fixed at the source rather than by rewriting files afterwards: allure-commons hands every
finished result to its ``report_result`` hook before its file writer serialises it, so a
``tryfirst`` implementation here changes the statuses before any file exists (in each xdist
worker, where the results are written). The error's message and trace are kept as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import allure_commons
from allure_commons.model2 import Status


def _failed_steps(steps: Iterable[Any]) -> bool:
    """Mark every broken step (nested ones too) failed; True when any step failed."""
    failed = False
    for step in steps or ():
        if step.status == Status.BROKEN:
            step.status = Status.FAILED
        if step.status == Status.FAILED:
            failed = True
        failed = _failed_steps(getattr(step, "steps", ())) or failed
    return failed


def one_vocabulary(result: Any) -> None:
    """A test result whose error came from a step is ``failed``, whatever the step raised."""
    if _failed_steps(getattr(result, "steps", ())) and result.status == Status.BROKEN:
        result.status = Status.FAILED


class StepOutcomes:
    """Registered with allure-commons' plugin manager for an active run."""

    @allure_commons.hookimpl(tryfirst=True)
    def report_result(self, result: Any) -> None:
        one_vocabulary(result)


def register() -> StepOutcomes:
    """Start rewriting statuses; returns the object to hand to ``unregister``."""
    plugin = StepOutcomes()
    allure_commons.plugin_manager.register(plugin)
    return plugin


def unregister(plugin: StepOutcomes) -> None:
    if allure_commons.plugin_manager.is_registered(plugin):
        allure_commons.plugin_manager.unregister(plugin)
