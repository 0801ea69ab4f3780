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


def test_a_link_inside_the_run_folder_is_published_at_its_own_path_in_walking_order(tmp_path: Path) -> None:
    run = tmp_path / "run"
    (run / "evidence" / "b").mkdir(parents=True)
    (run / "evidence" / "b" / "shot.png").write_bytes(b"png")
    (run / "evidence" / "a.txt").write_text("a")
    (run / "run.json").write_text("{}")
    (run / "evidence" / "same.png").symlink_to(run / "evidence" / "b" / "shot.png")
    (run / "evidence" / "b-again").symlink_to(run / "evidence" / "b")  # a linked folder: not entered
    assert list(collect_files(run)) == [
        "run.json",
        "evidence/a.txt",
        "evidence/same.png",
        "evidence/b/shot.png",
    ]


def test_only_a_file_that_may_be_unchanged_is_hashed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file is read for its ETag only when the target holds an object of its key and size:
    a new run's files are read once, by their upload."""
    import runner.publish.target as target_module

    hashed: list[Path] = []
    real = target_module.etag_of_file
    monkeypatch.setattr(target_module, "etag_of_file", lambda path: hashed.append(path) or real(path))
    run_id = new_run_id()
    for name, data in {"new": b"n", "resized": b"longer", "same": b"same"}.items():
        (tmp_path / name).write_bytes(data)
    remote = {
        f"runs/{run_id}/resized": RemoteObject(f"runs/{run_id}/resized", etag_of_bytes(b"short"), 5),
        f"runs/{run_id}/same": RemoteObject(f"runs/{run_id}/same", etag_of_bytes(b"same"), 4),
    }
    files = {name: tmp_path / name for name in ("new", "resized", "same")}
    uploads, skipped = plan_uploads(run_id, files, remote)
    assert [u.key for u in uploads] == [f"runs/{run_id}/new", f"runs/{run_id}/resized"]
    assert skipped == [f"runs/{run_id}/same"] and hashed == [tmp_path / "same"]
