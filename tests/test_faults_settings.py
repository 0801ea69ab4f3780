"""Settings that would reach Playwright as nonsense are refused before anything starts.

``float()`` takes "nan", "inf" and "1e400" (infinity), and Node turns a timer it cannot hold into
1 ms without a word; a viewport of 100000x100000 exhausts the machine at the first screenshot.
Each is refused by name, as a pytest usage error (exit 4), and no browser is started.
"""

from __future__ import annotations

from tests.support import E2EProject, processes

USAGE_ERROR = 4

FEATURE = """Feature: Never runs
  Scenario: Opens the home page
    Given I open "/"
"""


def _processes_mentioning(text: str) -> list[str]:
    """Command lines of running processes that contain ``text``."""
    return processes.mentioning(text)


def _assert_refused(e2e_project: E2EProject, run, message: str) -> None:
    assert run.returncode == USAGE_ERROR, run.output
    assert message in run.output, run.output
    assert "Traceback" not in run.output, run.output
    state = e2e_project.root / ".e2e-state"
    assert not list(state.glob("browser-*.json")), "a browser server was started"
    assert not _processes_mentioning(str(state)), "a browser process of this state folder is running"


def test_a_slow_mo_that_is_not_a_finite_delay_is_refused_by_name(e2e_project: E2EProject) -> None:
    """One real run per kind of source; every value is checked in tests/unit/test_settings.py."""
    e2e_project.add_feature("never.feature", FEATURE)
    run = e2e_project.pytest(E2E_SLOW_MO="1e400")
    _assert_refused(
        e2e_project, run, "E2E_SLOW_MO (environment) = '1e400': expected a finite number of milliseconds >= 0."
    )


def test_pytest_playwrights_slowmo_flag_is_checked_the_same_way(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("never.feature", FEATURE)
    run = e2e_project.pytest("--slowmo=nan")
    _assert_refused(
        e2e_project, run, "--slow-mo (command line) = 'nan': expected a finite number of milliseconds >= 0."
    )


def test_the_viewport_flag_and_pyproject_are_checked_the_same_way(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("never.feature", FEATURE)
    run = e2e_project.pytest("--viewport", "100000x100000")
    _assert_refused(
        e2e_project, run, "--viewport (command line) = '100000x100000': expected at most 7680x4320"
    )

    pyproject = e2e_project.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "slow_mo = nan\n")  # TOML has nan and inf literals
    run = e2e_project.pytest()
    _assert_refused(
        e2e_project,
        run,
        "pyproject.toml [tool.e2e] slow_mo = nan: expected a finite number of milliseconds >= 0.",
    )
