"""runner/plugin/outcomes.py: a step that raises makes its scenario failed in allure-results,
broken stays for errors outside steps."""

from __future__ import annotations

import allure_commons
from allure_commons.model2 import Status
from allure_commons.model2 import TestResult as ResultModel
from allure_commons.model2 import TestStepResult as StepModel

from runner.plugin.outcomes import one_vocabulary, register, unregister


def _result(*step_statuses: str, status: str = Status.BROKEN) -> ResultModel:
    result = ResultModel(name="scenario", status=status)
    result.steps = [StepModel(name=f"step {i}", status=s) for i, s in enumerate(step_statuses)]
    return result


def test_a_broken_step_is_a_failed_step_and_scenario() -> None:
    result = _result(Status.PASSED, Status.BROKEN)
    nested = StepModel(name="inner", status=Status.BROKEN)
    result.steps[0].steps = [nested]
    one_vocabulary(result)
    assert result.status == Status.FAILED
    assert [s.status for s in result.steps] == [Status.PASSED, Status.FAILED] and nested.status == Status.FAILED


def test_an_error_outside_the_steps_stays_broken() -> None:
    result = _result(Status.PASSED, Status.PASSED)
    one_vocabulary(result)
    assert result.status == Status.BROKEN


def test_registered_only_while_a_run_is_active() -> None:
    plugin = register()
    assert allure_commons.plugin_manager.is_registered(plugin)
    unregister(plugin)
    unregister(plugin)  # twice is harmless
    assert not allure_commons.plugin_manager.is_registered(plugin)
