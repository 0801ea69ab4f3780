"""runner.publish.local_target: the site's layout on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.publish.local_target import LocalTarget
from runner.publish.target import PublishError, Upload


def test_put_list_read_and_stream(tmp_path: Path) -> None:
    target = LocalTarget(tmp_path / "site")
    target.preflight()
    report = target.put(
        [Upload.from_bytes("runs/a/run.json", b"{}"), Upload.from_bytes("index.html", b"<p>")]
    )
    assert not report.failed
    assert set(target.list("runs/")) == {"runs/a/run.json"}
    assert target.read("index.html") == b"<p>" and target.read("missing") is None
    assert target.stat("runs/a/run.json").size == 2
    chunks, size = target.stream("index.html")
    assert size == 3 and b"".join(chunks) == b"<p>"
    assert target.url("index.html").startswith("file://")


def test_nothing_is_written_outside_the_folder(tmp_path: Path) -> None:
    target = LocalTarget(tmp_path / "site")
    with pytest.raises(PublishError, match="refusing to write outside"):
        target.read("../escape")


def test_a_file_in_place_of_the_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / "site").write_text("x")
    with pytest.raises(PublishError, match=r"--to .*site: exists and is not a folder"):
        LocalTarget(tmp_path / "site").preflight()
