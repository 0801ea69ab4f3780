"""runner.publish.staging: the reports a publish makes, and resuming a cut-off publish."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.publish.local_target import LocalTarget
from runner.publish.staging import HISTORY_KEEP, Staging, kept_folder, stage_reports
from runner.publish.target import PublishError
from runner.run.folder import create_run_dir
from runner.run.summary import RunSummary


class FakeReports:
    """Stands for the Allure CLI: writes an index.html and the history it was given."""

    def __init__(self) -> None:
        self.calls: list[dict] = []

    def __call__(self, *, output: Path, single_file: bool = False, history_path: Path | None = None) -> Path:
        self.calls.append(
            {"single_file": single_file, "history": history_path.read_bytes() if history_path else None}
        )
        output.mkdir(parents=True, exist_ok=True)
        (output / "index.html").write_text("report")
        return output / "index.html"


def _run(tmp_path: Path) -> Path:
    run_dir = create_run_dir(tmp_path / "reports")
    RunSummary.build(run_dir.name, [], started=None, finished=None, exit_code=5).write(run_dir)
    (run_dir / "allure-results" / "x-result.json").write_text("{}")
    return run_dir


def _staging(run_dir: Path, folder: Path, reports: FakeReports, *, kept: Path | None = None, required=False):
    return Staging(run_dir, folder, reports, required=required, log=lambda line: None, kept=kept)


def test_both_reports_are_made_when_the_target_has_neither(tmp_path: Path) -> None:
    run_dir, reports = _run(tmp_path), FakeReports()
    staging = _staging(run_dir, tmp_path / "staging", reports)
    target = LocalTarget(tmp_path / "site")
    stage_reports(staging, target, None, {}, run_id=run_dir.name, run_files={}, single_file=True)
    assert [c["single_file"] for c in reports.calls] == [False, True]
    assert {"history.jsonl", "report/index.html", "report-single-file/index.html"} <= set(staging.files)


def test_kept_reports_are_taken_over_instead_of_made_again(tmp_path: Path) -> None:
    run_dir, reports = _run(tmp_path), FakeReports()
    kept = tmp_path / "kept"
    first = _staging(run_dir, tmp_path / "s1", reports, kept=kept)
    stage_reports(
        first, LocalTarget(tmp_path / "site"), None, {}, run_id=run_dir.name, run_files={}, single_file=False
    )
    first.keep(run_dir.name)
    assert kept.is_dir() and len(reports.calls) == 1
    second = _staging(run_dir, tmp_path / "s2", reports, kept=kept)
    stage_reports(
        second, LocalTarget(tmp_path / "site"), None, {}, run_id=run_dir.name, run_files={}, single_file=False
    )
    assert len(reports.calls) == 1 and "report/index.html" in second.files and not kept.exists()


def test_a_report_that_must_be_there_fails_the_publish(tmp_path: Path) -> None:
    run_dir = create_run_dir(tmp_path / "reports")
    staging = _staging(run_dir, tmp_path / "s", FakeReports(), required=True)
    with pytest.raises(PublishError, match="no allure-results, so no report can be made"):
        stage_reports(
            staging,
            LocalTarget(tmp_path / "site"),
            None,
            {},
            run_id=run_dir.name,
            run_files={},
            single_file=True,
        )


def test_the_kept_folder_is_this_users_own() -> None:
    folder = kept_folder("20260101-000000-abcdef", LocalTarget(Path("/nonexistent-site")))
    assert folder is None or folder.parent.stat().st_mode & 0o077 == 0
    assert HISTORY_KEEP == 30
