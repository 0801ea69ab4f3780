"""``@quarantine`` as a team meets it: the scenario runs and is reported as quarantined (terminal,
run.json, junit.xml ``skipped``), its failure alone does not fail the run, and one that passes
is flagged so the tag can go. Real pytest and ``e2e run`` in a throwaway project, the demo app."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.support import E2EProject

pytestmark = pytest.mark.slow

FEATURE = """\
Feature: Known bugs

  @quarantine:BUG-123
  Scenario: The basket total is wrong
    Given I open "/"
    Then I see "A total that is never shown"

  @quarantine
  Scenario: Fixed already
    Given I open "/"

  Scenario: The home page opens
    Given I open "/"
"""

FAILING_TOO = """\
Feature: A real failure

  Scenario: The page says hello
    Given I open "/"
    Then I see "Not on the page at all"
"""

FAST = {"E2E_EXPECT_TIMEOUT": "800", "E2E_TRACE": "retain-on-failure"}


def _junit_cases(run_dir) -> dict[str, ET.Element]:
    tree = ET.parse(run_dir / "junit.xml")
    return {case.get("name"): case for case in tree.iter("testcase")}


def test_only_quarantined_failures_exit_0_and_are_reported_apart(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("known_bugs.feature", FEATURE)
    run = e2e_project.pytest(**FAST)
    assert run.returncode == 0, run.output
    assert "1 quarantined" in run.output and "1 quarantined-passed" in run.output, run.output
    assert "FAILED (quarantined: BUG-123)" in run.output, run.output
    assert "the @quarantine tag can go" in run.output, run.output

    summary = run.run_json()
    assert summary["status"] == "passed", summary
    assert summary["counts"]["quarantined"] == 1 and summary["counts"]["failed"] == 0, summary["counts"]
    by_name = {s["name"]: s for s in summary["scenarios"]}
    broken = by_name["The basket total is wrong"]
    assert broken["status"] == "failed" and broken["quarantined"] is True
    assert broken["quarantine_reason"] == "BUG-123"
    assert broken["trace"] and (run.run_dir / broken["trace"]).is_file(), broken
    fixed = by_name["Fixed already"]
    assert fixed["status"] == "passed" and fixed["quarantined"] is True

    allure = {r["name"]: r for r in run.allure_results()}
    tags = [
        label["value"] for label in allure["The basket total is wrong"]["labels"] if label["name"] == "tag"
    ]
    assert "quarantined: BUG-123" in tags, allure["The basket total is wrong"]["labels"]

    cases = _junit_cases(run.run_dir)
    skipped = [case for case in cases.values() if case.find("skipped") is not None]
    assert len(skipped) == 1, ET.tostring(ET.parse(run.run_dir / "junit.xml").getroot())
    assert "BUG-123" in skipped[0].find("skipped").get("message")
    assert not any(case.find("failure") is not None for case in cases.values())


def test_a_real_failure_beside_a_quarantined_one_still_fails_e2e_run(e2e_project: E2EProject) -> None:
    """Under two xdist workers: the quarantine crosses the process boundary with the report."""
    e2e_project.add_feature("known_bugs.feature", FEATURE)
    e2e_project.add_feature("real.feature", FAILING_TOO)
    run = e2e_project.e2e("run", "-n", "2", **FAST)
    assert run.returncode == 1, run.output
    assert "1 failed" in run.output and "1 quarantined" in run.output, run.output
    summary = run.run_json()
    assert summary["status"] == "failed"
    assert (summary["counts"]["failed"], summary["counts"]["quarantined"]) == (1, 1), summary["counts"]
