"""runner.plugin.watchdog: the budgets, when a phase or a scenario is due, the reworded error, the
summary lines. In-process, with no browser: the end-to-end behaviour is ``tests/test_faults_busy_page.py``."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Error as PlaywrightError

from runner.plugin.crashes import CrashWatch
from runner.plugin.watchdog import (
    BUSY,
    ENDED_PROPERTY,
    GRACE_S,
    Limits,
    Watchdog,
    ended_lines,
)
from runner.settings import Settings, resolve


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "sample"\n\n[tool.e2e]\n')
    return tmp_path


def _watchdog(settings: Settings) -> Watchdog:
    return Watchdog(Limits.of(settings), endpoint=lambda: None, browser_root=lambda: None)


def test_every_scenario_is_bounded_by_default_at_300_seconds(project: Path) -> None:
    settings = resolve(project, environ={})
    assert settings.scenario_timeout == 300
    assert "scenario_timeout = 300 s (from default)" in Limits.of(settings).scenario_limit_text()


def test_a_step_may_take_its_longest_timeout_and_ten_seconds(project: Path) -> None:
    defaults = resolve(project, environ={})
    assert Limits.of(defaults).step_s == defaults.navigation_timeout / 1000 + GRACE_S == 40
    short = resolve(
        project,
        environ={
            "E2E_ACTION_TIMEOUT": "1500",
            "E2E_NAVIGATION_TIMEOUT": "2000",
            "E2E_EXPECT_TIMEOUT": "1500",
            "E2E_API_TIMEOUT": "1500",
        },
    )
    assert Limits.of(short).step_s == 2 + GRACE_S  # the evidence screenshot waits as long as an action
    long_checks = resolve(project, environ={"E2E_EXPECT_TIMEOUT": "90000"})
    assert Limits.of(long_checks).step_s == 90 + GRACE_S


def test_a_phase_past_its_budget_is_due_as_busy_and_a_scenario_past_its_limit_first(project: Path) -> None:
    dog = _watchdog(resolve(project, environ={"E2E_SCENARIO_TIMEOUT": "100"}))
    assert dog._due(time.monotonic()) == (None, None)  # nothing armed: nothing due
    dog._scenario_deadline = time.monotonic() + 100
    dog._phase, dog._phase_deadline = 'the step "When I wait"', time.monotonic() + dog.budget_s
    deadline, reason = dog._due(time.monotonic())
    assert reason is None and deadline == dog._phase_deadline
    _, reason = dog._due(dog._phase_deadline + 0.1)
    assert reason is not None and reason.startswith(
        f'{BUSY}: the step "When I wait" made no progress for 40 s'
    )
    _, reason = dog._due(dog._scenario_deadline + 0.1)
    assert reason is not None and reason.startswith("the scenario ran longer than scenario_timeout = 100 s")
    assert "E2E_SCENARIO_TIMEOUT (environment)" in reason


def test_no_scenario_limit_when_it_is_zero(project: Path) -> None:
    dog = _watchdog(resolve(project, environ={"E2E_SCENARIO_TIMEOUT": "0"}))
    dog.scenario_started()
    try:
        assert dog._scenario_deadline is None
    finally:
        dog.scenario_ended()


def test_the_error_of_an_ended_scenario_is_reworded_once_and_not_as_a_crash(project: Path) -> None:
    dog = _watchdog(resolve(project, environ={}))
    error = PlaywrightError("Page.evaluate: Target crashed")
    assert not dog.name_error(error) and str(error) == "Page.evaluate: Target crashed"
    dog.ended = f"{BUSY}: the step made no progress"
    assert dog.name_error(error) and dog.name_error(error)
    assert str(error).splitlines() == [f"{BUSY}: the step made no progress", "Page.evaluate: Target crashed"]
    crashes = CrashWatch()
    crashes.crashed.append("http://app.test/")  # its renderer was killed: a crash event came too
    crashes.name_crash(error)
    assert str(error).startswith(BUSY)


def test_the_summary_names_each_ended_scenario_once() -> None:
    ended = SimpleNamespace(nodeid="features/a.feature::test_a", user_properties=[(ENDED_PROPERTY, "why")])
    other = SimpleNamespace(nodeid="features/a.feature::test_b", user_properties=[("x", "y")])
    stats = {"failed": [ended, ended], "passed": [other], "warnings": [object()]}
    assert ended_lines(stats) == ["ended by the watchdog: features/a.feature::test_a: why"]
