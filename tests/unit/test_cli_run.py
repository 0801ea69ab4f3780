"""runner/cli/run.py: what ``e2e run`` hands to pytest, and the refusals before anything starts
(the full run is tests/test_cli_run.py and the fault tests)."""

from __future__ import annotations

from pathlib import Path

from runner.cli.run import EXIT_USAGE, _pytest_command
from runner.settings import resolve
from tests.support.runs import synthetic_run


def test_the_suite_is_features_unless_a_path_is_given(project: Path) -> None:
    settings = resolve(project, environ={})
    run_dir = project / "reports" / "r"
    (project / "features").mkdir()
    command = _pytest_command(settings.project_root, run_dir, ("-n", "2"))
    assert command[1:] == [
        "-m",
        "pytest",
        "--e2e-run-dir",
        str(run_dir),
        str(project / "features"),
        "-n",
        "2",
    ]
    (project / "features" / "one.feature").write_text("Feature: x\n")
    given = _pytest_command(settings.project_root, run_dir, ("features/one.feature::test_x", "-q"))
    assert given[-2:] == ["features/one.feature::test_x", "-q"] and str(project / "features") not in given


def test_a_bad_setting_exits_4_before_any_run_folder(e2e, project: Path, monkeypatch) -> None:
    monkeypatch.setenv("E2E_VIEWPORT", "100000x100000")
    result = e2e("run")
    assert result.exit_code == EXIT_USAGE and "E2E_VIEWPORT" in result.output
    assert not (project / "reports").exists()


def test_a_reports_folder_under_a_file_exits_4_naming_it(e2e, project: Path, monkeypatch) -> None:
    (project / "afile").write_text("x")
    monkeypatch.setenv("E2E_REPORTS_DIR", str(project / "afile" / "reports"))
    result = e2e("run")
    assert result.exit_code == EXIT_USAGE and "afile" in result.output and "E2E_REPORTS_DIR" in result.output


def test_report_refuses_what_is_not_a_run_folder_and_several_runs_without_output(e2e, project: Path) -> None:
    (project / "empty").mkdir()
    not_a_run = e2e("report", "empty")
    assert not_a_run.exit_code == 1 and "empty" in not_a_run.output and "Traceback" not in not_a_run.output
    first, second = synthetic_run(project / "reports"), synthetic_run(project / "reports")
    several = e2e("report", str(first), str(second))
    assert several.exit_code == 2 and "give -o/--output DIR" in several.output
