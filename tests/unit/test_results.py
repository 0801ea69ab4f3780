"""runner.plugin.results: one ScenarioResult per scenario, shipped as data, and the run's files."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from types import SimpleNamespace

from runner.plugin.results import REPORT_ATTR, ResultWriter, scenario_result
from runner.run.summary import ScenarioResult


def _report(nodeid: str, outcome: str = "passed", **payload) -> SimpleNamespace:
    report = SimpleNamespace(nodeid=nodeid, outcome=outcome)
    if payload:
        setattr(report, REPORT_ATTR, payload)
    return report


def _shipped(nodeid: str, status: str = "passed", **fields) -> dict:
    return asdict(ScenarioResult(id=nodeid, name=nodeid, feature="F", status=status, **fields))


def test_the_outcome_is_built_from_the_report_and_the_evidence() -> None:
    item = SimpleNamespace(nodeid="f.feature::t")
    crash = SimpleNamespace(message="AssertionError: the heading is 'Other'")
    failed = SimpleNamespace(
        passed=False,
        skipped=False,
        failed=True,
        when="call",
        duration=1.23456,
        longrepr=SimpleNamespace(reprcrash=crash),
    )
    evidence = SimpleNamespace(
        failed_step="Then I see", error=None, failure_screenshot="e/1.png", final_screenshot=None
    )
    result = scenario_result(item, failed, evidence, "t", "F")
    assert result == ScenarioResult(
        id="f.feature::t",
        name="t",
        feature="F",
        status="failed",
        duration_seconds=1.235,
        failed_step="Then I see",
        error="AssertionError: the heading is 'Other'",
        screenshot="e/1.png",
    )
    setup_failed = SimpleNamespace(
        passed=False, skipped=False, failed=True, when="setup", duration=0, longrepr=None
    )
    assert scenario_result(item, setup_failed, None, "t", "F").status == "broken"


def test_the_writer_counts_reruns_marks_flaky_and_breaks_on_a_teardown_error(tmp_path: Path) -> None:
    writer = ResultWriter(tmp_path, "20260101-000000-abcdef", {"branch": "main"})
    writer.pytest_runtest_logreport(_report("a", outcome="rerun"))
    writer.pytest_runtest_logreport(_report("a", scenario=_shipped("a")))
    writer.pytest_runtest_logreport(_report("b", scenario=_shipped("b")))
    writer.pytest_runtest_logreport(_report("b", outcome="failed", teardown_error="OSError: gone"))
    writer.pytest_runtest_logreport(_report("c"))  # not a scenario: nothing recorded
    assert writer.scenarios["a"].retries == 1 and writer.scenarios["a"].flaky
    assert writer.scenarios["b"].status == "broken" and writer.scenarios["b"].error == "OSError: gone"
    summary = writer.write(1)
    assert summary.status == "failed" and summary.counts.flaky == 1
    assert json.loads((tmp_path / "run.json").read_text())["scenarios"][0]["id"] == "a"
    assert json.loads((tmp_path / "cucumber.json").read_text()) == []


def test_a_cucumber_json_that_cannot_be_written_is_listed_as_incomplete(tmp_path: Path) -> None:
    (tmp_path / "cucumber.json").mkdir()  # a folder in its place
    writer = ResultWriter(tmp_path, "20260101-000000-abcdef", {})
    summary = writer.write(0)
    assert summary.incomplete and summary.incomplete[0].startswith("cucumber.json not written")
