"""Cucumber JSON and the run summary (``run.json``), complete under pytest-xdist.

pytest-bdd 9's own ``--cucumberjson`` keeps its state in a WeakKeyDictionary keyed by
report objects, which never crosses xdist's process boundary, so under ``-n`` it writes
an empty file. Here each worker records its scenario (steps, outcomes, durations in
integer nanoseconds as CodeBuild requires) on the item, ships it on the test report
(reports are serialized to the controller by xdist), and only the controller writes the
files at session end. Serial runs take the same path.

What crosses the process boundary is data: the scenario's outcome as ``run.ScenarioResult``
(built once, here, in the process that ran it; shipped as its fields) and its Cucumber
records (``cucumber``'s TypedDicts).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from runner.a11y.scans import record_engine
from runner.a11y.scans import run_summary as a11y_summary
from runner.plugin import cucumber, quarantine
from runner.run.folder import ALLURE_RESULTS, CUCUMBER_JSON, write_json_atomic
from runner.run.summary import RunSummary, ScenarioResult

RECORD_KEY = pytest.StashKey["ScenarioRecord"]()
REPORT_ATTR = "e2e"
# What runner.steps.visual records on the item (user_properties cross xdist with the report).
VISUAL_PROPERTY = "e2e_visual"


@dataclass
class ScenarioRecord:
    """A scenario's Cucumber records while it runs in this process."""

    feature: cucumber.Feature
    element: cucumber.Element
    step_started_ns: int = 0
    steps_by_line: dict[int, cucumber.Step] = field(default_factory=dict)


def before_scenario(item: pytest.Item, feature: Any, scenario: Any, project_root: Path) -> None:
    params = getattr(getattr(item, "callspec", None), "id", None)
    feature_record = cucumber.feature_record(feature, project_root)
    element = cucumber.element_record(feature_record, scenario, params)
    item.stash[RECORD_KEY] = ScenarioRecord(
        feature=feature_record,
        element=element,
        steps_by_line={entry["line"]: entry for entry in element["steps"]},
    )


def _step_entry(item: pytest.Item, step: Any) -> cucumber.Step | None:
    record = item.stash.get(RECORD_KEY, None)
    return None if record is None else record.steps_by_line.get(step.line_number)


def before_step(item: pytest.Item, step: Any, step_func: Any) -> None:
    record = item.stash.get(RECORD_KEY, None)
    if record is not None:
        record.step_started_ns = time.perf_counter_ns()
    entry = _step_entry(item, step)
    if entry is not None:
        code = getattr(step_func, "__code__", None)
        if code is not None:
            entry["match"] = {"location": f"{Path(code.co_filename).name}:{code.co_firstlineno}"}


def step_done(
    item: pytest.Item,
    step: Any,
    error: BaseException | None = None,
    status: cucumber.StepStatus | None = None,
) -> None:
    entry = _step_entry(item, step)
    record = item.stash.get(RECORD_KEY, None)
    if entry is None or record is None:
        return
    duration = max(0, time.perf_counter_ns() - record.step_started_ns) if record.step_started_ns else 0
    entry["result"] = cucumber.result(status or ("failed" if error else "passed"), duration, error)
    record.step_started_ns = 0


def _error_line(report: pytest.TestReport) -> str:
    """The line a person reads first: the crash message, else the end of the failure text."""
    crash = getattr(report.longrepr, "reprcrash", None)
    text = (crash.message if crash is not None else "") or report.longreprtext
    lines = text.strip().splitlines()
    return lines[-1][:500] if lines else "failed"


def scenario_result(
    item: pytest.Item, report: pytest.TestReport, evidence: Any, name: str, feature: str
) -> ScenarioResult:
    """The scenario's one outcome model, from its report (call, or a failed setup) and its evidence."""
    status = "passed" if report.passed else "skipped" if report.skipped else "failed"
    if report.when == "setup" and report.failed:
        status = "broken"
    result = ScenarioResult(
        id=item.nodeid,
        name=name,
        feature=feature,
        status=status,
        duration_seconds=round(report.duration, 3),
        failed_step=getattr(evidence, "failed_step", None),
        error=getattr(evidence, "error", None),
        screenshot=getattr(evidence, "failure_screenshot", None),
        final_screenshot=getattr(evidence, "final_screenshot", None),
    )
    if status in {"failed", "broken"} and not result.error and report.longrepr is not None:
        result.error = _error_line(report)
    visual = [dict(value) for key, value in getattr(item, "user_properties", ()) if key == VISUAL_PROPERTY]
    if visual:
        result.visual = visual
    reason = quarantine.reason_of(item)
    if reason is not None:
        result.quarantined, result.quarantine_reason = True, reason or None
    result.trace = getattr(evidence, "failure_trace", None)
    return result


def attach_to_report(item: pytest.Item, report: pytest.TestReport, evidence: Any) -> None:
    """Put what the controller needs on the report, which xdist carries across processes (as data)."""
    record = item.stash.get(RECORD_KEY, None)
    scenario_obj = getattr(getattr(item, "obj", None), "__scenario__", None)
    if record is None and scenario_obj is None:
        return  # not a Gherkin scenario
    if report.when == "call" or (report.failed and report.when == "setup"):
        name = record.element["name"] if record else scenario_obj.name
        feature_name = record.feature["name"] if record else scenario_obj.feature.name
        payload: dict[str, Any] = {
            "scenario": asdict(scenario_result(item, report, evidence, name, feature_name))
        }
        if record is not None:
            payload["cucumber"] = {"feature": record.feature, "element": record.element}
        setattr(report, REPORT_ATTR, payload)
    elif report.when == "teardown" and report.failed:
        setattr(report, REPORT_ATTR, {"teardown_error": _error_line(report)})


class ResultWriter:
    """Lives in the controller process only; collects reports from every worker."""

    def __init__(self, run_dir: Path, run_id: str, metadata: dict[str, Any]):
        self.run_dir = run_dir
        self.run_id = run_id
        self.metadata = metadata
        self.started = datetime.now(UTC)
        self.scenarios: dict[str, ScenarioResult] = {}
        self.cucumber: dict[str, tuple[cucumber.Feature, cucumber.Element]] = {}
        self.reruns: dict[str, int] = {}
        self.session_error: str | None = None

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.outcome == "rerun":
            self.reruns[report.nodeid] = self.reruns.get(report.nodeid, 0) + 1
            return
        payload = getattr(report, REPORT_ATTR, None)
        if not payload:
            return
        if "scenario" in payload:
            scenario = ScenarioResult.from_dict(payload["scenario"])
            if self.reruns.get(report.nodeid):
                scenario.retries = self.reruns[report.nodeid]
                scenario.flaky = scenario.status == "passed"
            self.scenarios[report.nodeid] = scenario
        if "cucumber" in payload:
            self.cucumber[report.nodeid] = (payload["cucumber"]["feature"], payload["cucumber"]["element"])
        if "teardown_error" in payload and report.nodeid in self.scenarios:
            entry = self.scenarios[report.nodeid]
            if entry.status == "passed":
                entry.status = "broken"
                entry.error = payload["teardown_error"]

    def cucumber_document(self) -> list[cucumber.Feature]:
        return cucumber.document(list(self.cucumber.values()))

    def summary(self, exit_code: int) -> RunSummary:
        # Accessibility scans leave records in the run folder (any worker's); summed here.
        accessibility = a11y_summary(self.run_dir)
        metadata = dict(self.metadata)
        if accessibility and accessibility.get("axe_core"):
            metadata["axe_core"] = accessibility["axe_core"]
            record_engine(self.run_dir / ALLURE_RESULTS, accessibility["axe_core"])
        summary = RunSummary.build(
            self.run_id,
            list(self.scenarios.values()),
            started=self.started,
            finished=datetime.now(UTC),
            exit_code=exit_code,
            error=self.session_error,
            metadata=metadata,
        )
        summary.accessibility = accessibility
        return summary

    def write(self, exit_code: int, *, incomplete: list[str] | None = None) -> RunSummary:
        """cucumber.json, then run.json; what could not be written is listed in run.json's
        ``incomplete`` (run.json itself failing raises OSError)."""
        missing = list(incomplete or [])
        try:
            write_json_atomic(self.run_dir / CUCUMBER_JSON, self.cucumber_document())
        except OSError as exc:
            missing.append(f"{CUCUMBER_JSON} not written: {exc}")
        summary = self.summary(exit_code)
        summary.incomplete = missing or None
        summary.write(self.run_dir)
        return summary
