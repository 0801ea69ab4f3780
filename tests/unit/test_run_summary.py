"""runner.run.summary: the model of run.json, and roll_up, where a run's status is decided."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.run.folder import RUN_JSON, NotARunFolder, new_run_id
from runner.run.summary import Counts, RunSummary, ScenarioResult, roll_up


def _scenarios(*statuses: str) -> list[ScenarioResult]:
    return [ScenarioResult(id=f"s{i}", name=f"s{i}", status=s) for i, s in enumerate(statuses)]


@pytest.mark.parametrize(
    ("statuses", "exit_code", "error", "parts", "expected"),
    [
        ((), 5, None, (), "no-tests"),
        (("passed",), 0, None, (), "passed"),
        (("passed", "failed"), 1, None, (), "failed"),
        (("broken",), 1, None, (), "failed"),
        (("passed",), 3, None, (), "failed"),
        (("passed",), 2, None, (), "interrupted"),
        (("passed",), 0, "no browser", (), "error"),
        (("passed",), 0, None, ("passed", "error"), "error"),
        (("passed",), 0, None, ("interrupted",), "interrupted"),
        (("passed",), 0, None, ("failed",), "failed"),
    ],
)
def test_roll_up_decides_the_status(statuses, exit_code, error, parts, expected) -> None:
    counts, status = roll_up(_scenarios(*statuses), exit_code=exit_code, error=error, part_statuses=parts)
    assert status == expected and counts.total == len(statuses)


def test_counts_and_flaky() -> None:
    scenarios = _scenarios("passed", "failed", "skipped", "broken")
    scenarios[0].flaky = True
    counts, _ = roll_up(scenarios, exit_code=1)
    assert counts == Counts(total=4, passed=1, failed=1, broken=1, skipped=1, flaky=1)


def test_a_summary_round_trips_through_run_json(tmp_path: Path) -> None:
    summary = RunSummary.build(
        new_run_id(),
        _scenarios("passed", "failed")[::-1],
        started="2026-01-01T10:00:00+00:00",
        finished="2026-01-01T10:00:02.5+00:00",
        exit_code=1,
        metadata={"branch": "main"},
    )
    assert [s.id for s in summary.scenarios] == ["s0", "s1"] and summary.duration_seconds == 2.5
    assert summary.branch == "main" and not summary.passed
    summary.write(tmp_path)
    assert RunSummary.read(tmp_path) == summary
    assert "merged_from" not in summary.to_dict()


def test_unknown_fields_are_ignored_and_a_bad_summary_is_named(tmp_path: Path) -> None:
    assert ScenarioResult.from_dict({"id": 3, "later": True}) == ScenarioResult(id="3", name="3")
    (tmp_path / RUN_JSON).write_text(f'{{"run_id": "{new_run_id()}", "exit_code": "x"}}')
    with pytest.raises(NotARunFolder, match="not a run summary this tool wrote"):
        RunSummary.read(tmp_path)
