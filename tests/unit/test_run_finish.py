"""runner.run.finish: only what a run made is handed to the checkout's owner (issue 22, item 1).

Run as root (as the image runs in a mounted repository), on a temporary checkout owned by
a second user (uid 1001, as a developer's repository is under ``docker run -v``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from runner.run.finish import finish_run_folder, hand_over
from runner.run.folder import RUN_JSON, RunFolder, make_run_folder

OWNER = 1001

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="hand-over acts only as root")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    os.chown(root, OWNER, OWNER)
    return root


def _uid(path: Path) -> int:
    return os.lstat(path).st_uid


@as_root
def test_a_reports_folder_that_existed_before_keeps_its_owner(checkout: Path) -> None:
    reports = checkout / "reports"
    reports.mkdir()  # root's, made before the run
    run = make_run_folder(reports)
    (run.path / RUN_JSON).write_text("{}")
    assert run.made == (run.path,)
    finish_run_folder(run, project_root=checkout, reports_dir=reports)
    assert _uid(reports) == 0
    assert _uid(reports / "latest") == 0 and _uid(reports / ".latest.lock") == 0
    assert {_uid(p) for p in [run.path, *run.path.rglob("*")]} == {OWNER}


@as_root
def test_a_reports_folder_the_run_made_is_handed_over_with_its_link(checkout: Path) -> None:
    reports = checkout / "out" / "reports"
    run = make_run_folder(reports)
    assert run.made == (checkout / "out", reports, run.path)
    (run.path / RUN_JSON).write_text("{}")
    finish_run_folder(run, project_root=checkout, reports_dir=reports)
    for path in (
        checkout / "out",
        reports,
        reports / "latest",
        reports / ".latest.lock",
        run.path / RUN_JSON,
    ):
        assert _uid(path) == OWNER, path


@as_root
def test_nothing_outside_the_checkout_is_handed_over(checkout: Path, tmp_path: Path) -> None:
    run = make_run_folder(tmp_path / "elsewhere")
    assert hand_over(run, checkout) == []
    assert _uid(tmp_path / "elsewhere") == 0 and _uid(run.path) == 0


@as_root
def test_a_given_folder_is_not_the_runs_to_give(checkout: Path) -> None:
    given = checkout / "reports" / "mine"
    given.mkdir(parents=True)
    assert hand_over(RunFolder.given(given), checkout) == []
    assert _uid(given) == 0


@as_root
def test_no_link_is_followed_out_of_the_run_folder(checkout: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "file").write_text("x")
    run = make_run_folder(checkout / "reports")
    (run.path / "evidence" / "link").symlink_to(outside, target_is_directory=True)
    (run.path / "hard").hardlink_to(outside / "file")
    hand_over(run, checkout)
    assert _uid(outside) == 0 and _uid(outside / "file") == 0
    assert _uid(run.path / "evidence" / "link") == OWNER  # the link itself only


@as_root
def test_a_run_folder_swapped_for_a_link_is_not_entered(checkout: Path, tmp_path: Path) -> None:
    outside = tmp_path / "target"
    outside.mkdir()
    run = make_run_folder(checkout / "reports")
    os.rmdir(run.path / "allure-results")
    os.rmdir(run.path / "evidence")
    run.path.rmdir()
    run.path.symlink_to(outside, target_is_directory=True)
    hand_over(run, checkout)
    assert _uid(outside) == 0


def test_not_root_or_a_root_checkout_hands_over_nothing(tmp_path: Path) -> None:
    run = make_run_folder(tmp_path / "reports")
    assert hand_over(run, tmp_path) == []  # tmp_path is this user's own: root's when root
