"""runner.plugin.scenario_hooks: every process's per-scenario hooks, their helpers driven directly."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

from runner.plugin import scenario_hooks
from runner.plugin.scenario_hooks import ScenarioHooks, fixture_arguments
from runner.plugin.state import RunState
from runner.settings import resolve

RUNNER = Path(scenario_hooks.__file__).resolve().parents[1]


def test_frames_of_the_machinery_are_internal_and_the_users_are_not() -> None:
    site = Path(sys.prefix) / "lib" / "site-packages"
    assert scenario_hooks._internal(RUNNER / "plugin" / "fixtures.py")
    assert scenario_hooks._internal(RUNNER / "browser" / "session.py")
    assert scenario_hooks._internal(site / "pytest_bdd" / "scenario.py")
    assert scenario_hooks._internal(site / "playwright" / "sync_api" / "_generated.py")
    assert not scenario_hooks._internal(RUNNER / "steps" / "web.py"), "the step library is shown"
    assert not scenario_hooks._internal(Path("/project/steps/shop.py"))
    assert not scenario_hooks._internal(site / "requests" / "api.py")


def test_only_a_steps_fixture_arguments_are_hidden_from_the_report() -> None:
    request = SimpleNamespace(fixturenames=["page", "evidence", "datatable", "request"])
    args = {"page": 1, "evidence": 2, "name": "Ann", "datatable": [[1]]}
    assert fixture_arguments(args, request) == ["page", "evidence"]


def test_a_nearly_full_disk_stops_the_run_naming_the_setting(tmp_path: Path) -> None:
    settings = resolve(tmp_path, environ={"E2E_MIN_FREE_MB": "999999999"})
    hooks = ScenarioHooks(RunState(settings=settings, run_dir=tmp_path))
    session = SimpleNamespace(shouldstop=False)
    hooks._check_free_space(session)
    assert "min_free_mb = 999999999, from E2E_MIN_FREE_MB" in session.shouldstop
    roomy = ScenarioHooks(
        RunState(settings=resolve(tmp_path, environ={"E2E_MIN_FREE_MB": "0"}), run_dir=tmp_path)
    )
    session = SimpleNamespace(shouldstop=False)
    roomy._check_free_space(session)
    assert session.shouldstop is False
