"""runner.publish.uploads: what a run folder publishes, what changed, and putting it."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.publish.local_target import LocalTarget
from runner.publish.target import PublishError, RemoteObject, Upload, etag_of_bytes
from runner.publish.uploads import collect_files, plan_uploads, put_all
from runner.run.folder import new_run_id


def test_the_runs_own_report_is_published_as_the_single_file_one(tmp_path: Path) -> None:
    run = tmp_path / "run"
    (run / "report").mkdir(parents=True)
    (run / "report" / "index.html").write_text("r")
    (run / "run.json").write_text("{}")
    (run / ".tmp").write_text("hidden")
    (run / "out").symlink_to(tmp_path)
    (tmp_path / "secret").write_text("s")
    (run / "leak").symlink_to(tmp_path / "secret")
    assert set(collect_files(run)) == {"report-single-file/index.html", "run.json"}


def test_unchanged_files_are_skipped(tmp_path: Path) -> None:
    run_id = new_run_id()
    (tmp_path / "a").write_bytes(b"same")
    (tmp_path / "b").write_bytes(b"new")
    remote = {
        f"runs/{run_id}/a": RemoteObject(f"runs/{run_id}/a", etag_of_bytes(b"same"), 4),
        f"runs/{run_id}/b": RemoteObject(f"runs/{run_id}/b", etag_of_bytes(b"old"), 3),
    }
    uploads, skipped = plan_uploads(run_id, {"a": tmp_path / "a", "b": tmp_path / "b"}, remote)
    assert [u.key for u in uploads] == [f"runs/{run_id}/b"] and skipped == [f"runs/{run_id}/a"]


def test_put_all_sends_or_says_what_failed(tmp_path: Path) -> None:
    target = LocalTarget(tmp_path / "site")
    lines: list[str] = []
    assert put_all(target, [Upload.from_bytes("x/y", b"abc")], log=lines.append) == 3
    assert target.read("x/y") == b"abc"
    (tmp_path / "site" / "file").write_text("in the way")
    with pytest.raises(PublishError, match=r"1 of 1 uploads failed.*publish again to resume"):
        put_all(target, [Upload.from_bytes("file/under", b"z")], log=None)
