"""runner/plugin/__init__.py, options.py and state.py: the flags as settings' twins, when the plugin
is active, and the run state's refusal outside a run. Configs are parsed in this process (pytester)."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner import plugin
from runner.plugin.options import overrides
from runner.plugin.state import RUN_STATE, RunState, get_run_state
from runner.settings import resolve


def test_flags_and_pytest_playwrights_aliases_become_setting_overrides(pytester: pytest.Pytester) -> None:
    config = pytester.parseconfig("--slowmo", "50", "--tracing", "on", "--output", "out", "--headed")
    given = {name: value for name, value in overrides(config).items() if value is not None}
    assert given == {"slow_mo": "50", "trace": "on", "reports_dir": "out", "headed": True}
    assert resolve(pytester.path, given).slow_mo == 50


def test_a_choice_outside_the_list_is_refused(pytester: pytest.Pytester) -> None:
    with pytest.raises(pytest.UsageError, match="--screenshots"):
        pytester.parseconfig("--screenshots", "sometimes")


def test_the_plugin_is_active_only_for_features_or_a_given_run_folder(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_x():\n    pass\n")
    assert plugin._active_run_dir(pytester.parseconfig("test_plain.py")) == (False, None)
    (pytester.path / "features" / "deep").mkdir(parents=True)
    assert plugin._active_run_dir(pytester.parseconfig("features")) == (False, None)
    (pytester.path / "features" / "deep" / "a.feature").write_text("Feature: A\n")
    assert plugin._active_run_dir(pytester.parseconfig("features")) == (True, None)
    run_dir = pytester.path / "given-run"
    active, chosen = plugin._active_run_dir(
        pytester.parseconfig("--e2e-run-dir", str(run_dir), "test_plain.py")
    )
    assert active and chosen == run_dir.resolve() and (run_dir / "allure-results").is_dir()


def test_pytest_playwright_beside_the_runner_is_refused_by_name(pytester: pytest.Pytester) -> None:
    config = pytester.parseconfig()
    plugin._refuse_pytest_playwright(config)  # not installed here: nothing said
    config.pluginmanager.register(object(), "pytest_playwright")
    with pytest.raises(pytest.UsageError, match="pip uninstall pytest-playwright"):
        plugin._refuse_pytest_playwright(config)


def test_the_run_state_is_there_only_in_a_run(pytester: pytest.Pytester, tmp_path: Path) -> None:
    config = pytester.parseconfig()
    with pytest.raises(pytest.UsageError, match=r"only available in a run of \.feature files"):
        get_run_state(config)
    state = RunState(settings=resolve(tmp_path, environ={}), run_dir=tmp_path)
    config.stash[RUN_STATE] = state
    assert get_run_state(config) is state
