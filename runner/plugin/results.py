"""Cucumber JSON and the run summary (``run.json``), complete under pytest-xdist.

pytest-bdd 9's own ``--cucumberjson`` keeps its state in a WeakKeyDictionary keyed by
report objects, which never crosses xdist's process boundary, so under ``-n`` it writes
an empty file. Here each worker records its scenario (steps, outcomes, durations in
integer nanoseconds as CodeBuild requires) on the item, ships it on the test report
(reports are serialized to the controller by xdist), and only the controller writes the
files at session end. Serial runs take the same path.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from runner.a11y.scans import record_engine
from runner.a11y.scans import run_summary as a11y_summary
from runner.run import ALLURE_RESULTS, CUCUMBER_JSON, RunSummary, ScenarioResult, write_json_atomic

RECORD_KEY = pytest.StashKey["ScenarioRecord"]()
REPORT_ATTR = "e2e"


def _tags(tags: set[str] | list[str], line: int) -> list[dict[str, Any]]:
    return [{"name": f"@{t}", "line": line} for t in sorted(tags)]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unnamed"


@dataclass
class ScenarioRecord:
    feature: dict[str, Any]
    element: dict[str, Any]
    step_started_ns: int = 0
    steps_by_line: dict[int, dict[str, Any]] = field(default_factory=dict)


def before_scenario(item: pytest.Item, feature: Any, scenario: Any, project_root: Path) -> None:
    try:
        uri = Path(feature.filename).resolve().relative_to(project_root).as_posix()
    except ValueError:
        uri = feature.rel_filename
    feature_id = _slug(feature.name or Path(uri).stem)
    steps = []
    for step in scenario.steps:
        entry: dict[str, Any] = {
            "keyword": f"{step.keyword} ",
            "name": step.name,
            "line": step.line_number,
            "result": {"status": "skipped", "duration": 0},
        }
        if step.docstring is not None:
            entry["doc_string"] = {"value": step.docstring, "content_type": "", "line": step.line_number + 1}
        if step.datatable is not None:
            entry["rows"] = [{"cells": list(row)} for row in step.datatable.raw()]
        steps.append(entry)
    params = getattr(getattr(item, "callspec", None), "id", None)
    item.stash[RECORD_KEY] = ScenarioRecord(
        feature={
            "uri": uri,
            "id": feature_id,
            "keyword": feature.keyword,
            "name": feature.name,
            "description": feature.description or "",
            "line": feature.line_number,
            "tags": _tags(feature.tags, feature.line_number),
        },
        element={
            "id": f"{feature_id};{_slug(scenario.name)}" + (f";{_slug(params)}" if params else ""),
            "keyword": scenario.keyword,
            "name": scenario.name,
            "description": scenario.description or "",
            "line": scenario.line_number,
            "type": "scenario",
            "tags": _tags(scenario.tags, scenario.line_number),
            "steps": steps,
        },
    )
    record = item.stash[RECORD_KEY]
    for entry in steps:
        record.steps_by_line[entry["line"]] = entry


def _step_entry(item: pytest.Item, step: Any) -> dict[str, Any] | None:
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
    item: pytest.Item, step: Any, error: BaseException | None = None, status: str | None = None
) -> None:
    entry = _step_entry(item, step)
    record = item.stash.get(RECORD_KEY, None)
    if entry is None or record is None:
        return
    duration = max(0, time.perf_counter_ns() - record.step_started_ns) if record.step_started_ns else 0
    result: dict[str, Any] = {
        "status": status or ("failed" if error else "passed"),
        "duration": int(duration),
    }
    if error is not None:
        result["error_message"] = f"{type(error).__name__}: {error}"
    entry["result"] = result
    record.step_started_ns = 0


def _error_line(report: pytest.TestReport) -> str:
    """The line a person reads first: the crash message, else the end of the failure text."""
    crash = getattr(report.longrepr, "reprcrash", None)
    text = (crash.message if crash is not None else "") or report.longreprtext
    lines = text.strip().splitlines()
    return lines[-1][:500] if lines else "failed"


def attach_to_report(item: pytest.Item, report: pytest.TestReport, evidence: Any) -> None:
    """Put what the controller needs on the report, which xdist carries across processes."""
    record = item.stash.get(RECORD_KEY, None)
    scenario_obj = getattr(getattr(item, "obj", None), "__scenario__", None)
    if record is None and scenario_obj is None:
        return  # not a Gherkin scenario
    if report.when == "call" or (report.failed and report.when == "setup"):
        status = "passed" if report.passed else "skipped" if report.skipped else "failed"
        if report.when == "setup" and report.failed:
            status = "broken"
        name = record.element["name"] if record else scenario_obj.name
        feature_name = record.feature["name"] if record else scenario_obj.feature.name
        summary = {
            "id": item.nodeid,
            "name": name,
            "feature": feature_name,
            "status": status,
            "duration_seconds": round(report.duration, 3),
            "failed_step": getattr(evidence, "failed_step", None),
            "error": getattr(evidence, "error", None),
            "screenshot": getattr(evidence, "failure_screenshot", None),
            "final_screenshot": getattr(evidence, "final_screenshot", None),
        }
        if status in {"failed", "broken"} and not summary["error"] and report.longrepr is not None:
            summary["error"] = _error_line(report)
        payload: dict[str, Any] = {"scenario": summary}
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
        self.scenarios: dict[str, dict[str, Any]] = {}
        self.cucumber: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
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
            scenario = dict(payload["scenario"])
            if self.reruns.get(report.nodeid):
                scenario["retries"] = self.reruns[report.nodeid]
                scenario["flaky"] = scenario["status"] == "passed"
            self.scenarios[report.nodeid] = scenario
        if "cucumber" in payload:
            self.cucumber[report.nodeid] = (payload["cucumber"]["feature"], payload["cucumber"]["element"])
        if "teardown_error" in payload and report.nodeid in self.scenarios:
            entry = self.scenarios[report.nodeid]
            if entry["status"] == "passed":
                entry["status"] = "broken"
                entry["error"] = payload["teardown_error"]

    def cucumber_document(self) -> list[dict[str, Any]]:
        features: dict[str, dict[str, Any]] = {}
        for feature, element in self.cucumber.values():
            target = features.setdefault(feature["uri"], {**feature, "elements": []})
            target["elements"].append(element)
        for feature in features.values():
            feature["elements"].sort(key=lambda e: (e["line"], e["id"]))
        return [features[uri] for uri in sorted(features)]

    def summary(self, exit_code: int) -> RunSummary:
        # Accessibility scans leave records in the run folder (any worker's); summed here.
        accessibility = a11y_summary(self.run_dir)
        metadata = dict(self.metadata)
        if accessibility and accessibility.get("axe_core"):
            metadata["axe_core"] = accessibility["axe_core"]
            record_engine(self.run_dir / ALLURE_RESULTS, accessibility["axe_core"])
        summary = RunSummary.build(
            self.run_id,
            [ScenarioResult.from_dict(s) for s in self.scenarios.values()],
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
