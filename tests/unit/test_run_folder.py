"""runner.run.folder: the run folder on disk, its names and the ``latest`` link."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from runner.run.folder import (
    ALLURE_RESULTS,
    EVIDENCE,
    RUN_ID_PATTERN,
    RUN_JSON,
    NotARunFolder,
    RunFolder,
    RunFolderError,
    create_run_dir,
    latest_run_dir,
    make_run_folder,
    new_run_id,
    point_latest,
    read_run_json,
    write_json_atomic,
)


def test_run_ids_sort_by_time_and_match_the_pattern() -> None:
    early = new_run_id(datetime(2026, 1, 1, 9, 0, 0, tzinfo=UTC))
    late = new_run_id(datetime(2026, 1, 1, 10, 0, 0, tzinfo=UTC))
    assert early.startswith("20260101-090000-") and early < late
    assert RUN_ID_PATTERN.match(early) and not RUN_ID_PATTERN.match(early + "\n")


def test_a_run_folder_is_new_and_says_what_it_made(tmp_path: Path) -> None:
    reports = tmp_path / "a" / "reports"
    first = make_run_folder(reports)
    assert first.made == (tmp_path / "a", reports, first.path)
    assert (first.path / ALLURE_RESULTS).is_dir() and (first.path / EVIDENCE).is_dir()
    second = make_run_folder(reports)
    assert second.path != first.path and second.made == (second.path,)
    assert create_run_dir(reports).parent == reports
    assert RunFolder.given(first.path).made == ()


def test_a_reports_folder_under_a_file_is_refused_naming_the_setting(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(
        RunFolderError, match=r"reports folder .*file/reports \(from E2E_REPORTS_DIR\).*Not a directory"
    ):
        make_run_folder(tmp_path / "file" / "reports", source="E2E_REPORTS_DIR")


def test_run_json_is_read_or_refused_with_a_reason(tmp_path: Path) -> None:
    with pytest.raises(NotARunFolder, match="no such folder"):
        read_run_json(tmp_path / "missing")
    with pytest.raises(NotARunFolder, match=f"no {RUN_JSON}"):
        read_run_json(tmp_path)
    write_json_atomic(tmp_path / RUN_JSON, {"run_id": "nope"})
    with pytest.raises(NotARunFolder, match="no valid run_id"):
        read_run_json(tmp_path)
    run_id = new_run_id()
    write_json_atomic(tmp_path / RUN_JSON, {"run_id": run_id})
    assert read_run_json(tmp_path) == {"run_id": run_id}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_latest_points_at_the_newest_started_finished_run(tmp_path: Path) -> None:
    older, newer = sorted(create_run_dir(tmp_path) for _ in range(2))
    for run in (older, newer):
        (run / RUN_JSON).write_text(json.dumps({"run_id": run.name}))
    assert point_latest(newer)
    assert not point_latest(older)  # finished later, started earlier
    assert os.readlink(tmp_path / "latest") == newer.name
    assert latest_run_dir(tmp_path) == newer
