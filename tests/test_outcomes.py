"""One vocabulary of outcomes, as a team meets it: a scenario whose check fails and one
whose click times out are both "failed" in allure-results, the HTML report's counts,
run.json and the terminal (Allure alone would call the timeout "broken")."""

from __future__ import annotations

import json

import pytest

from runner.report.allure import generate_report
from runner.settings import resolve
from tests.support import E2EProject
from tests.test_environment_values import signin_app  # noqa: F401 - the static app, a fixture

pytestmark = pytest.mark.slow

FEATURE = """\
Feature: Two kinds of failure

  Scenario: An expectation that does not hold
    Given I open "/"
    Then I see "Welcome back"

  Scenario: A click that times out
    Given I open "/"
    When I click the button that is not there
"""

TEAM_STEPS = '''\
from playwright.sync_api import Page
from pytest_bdd import when


@when("I click the button that is not there")
def _(page: Page) -> None:
    page.get_by_role("button", name="Not there").click(timeout=500)
'''


def test_an_assertion_and_a_timeout_are_both_failed_everywhere(
    e2e_project: E2EProject,
    signin_app: str,  # noqa: F811
) -> None:
    e2e_project.add_feature("failures.feature", FEATURE)
    e2e_project.add_steps("team_steps.py", TEAM_STEPS)
    run = e2e_project.pytest("--expect-timeout", "1000", E2E_BASE_URL=signin_app)
    assert run.returncode == 1, run.output
    assert "2 failed" in run.output

    counts = run.run_json()["counts"]
    assert (counts["failed"], counts["broken"]) == (2, 0), counts

    results = {r["name"]: r for r in run.allure_results()}
    timeout = results["A click that times out"]
    assert "TimeoutError" in timeout["statusDetails"]["message"], "the error itself is kept"
    for result in results.values():
        assert result["status"] == "failed", (result["name"], result["status"])
        assert [s["status"] for s in result["steps"]] == ["passed", "failed"], result["steps"]

    # The HTML report counts what the results say (its multi-file form has the numbers as data).
    out = generate_report(run.run_dir, resolve(e2e_project.root), output=e2e_project.root / "html")
    statistic = json.loads((out.parent / "widgets" / "statistic.json").read_text())
    assert statistic.get("failed") == 2 and not statistic.get("broken"), statistic
