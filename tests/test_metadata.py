"""A run's branch and commit, also where git is missing (the image) or refuses the checkout."""

from __future__ import annotations

import subprocess
from pathlib import Path

from runner.metadata import collect, read_head


def _repo(path: Path, branch: str = "feature/login") -> str:
    path.mkdir(parents=True, exist_ok=True)
    run = lambda *a: subprocess.run(["git", *a], cwd=path, check=True, capture_output=True, text=True)  # noqa: E731
    run("init", "-q", "-b", branch)
    (path / "a.txt").write_text("a")
    run("add", "a.txt")
    run("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "first")
    return run("rev-parse", "HEAD").stdout.strip()


def test_branch_and_commit_are_read_from_dot_git_loose_and_packed(tmp_path: Path) -> None:
    commit = _repo(tmp_path / "repo")
    assert read_head(tmp_path / "repo") == ("feature/login", commit)
    subprocess.run(["git", "pack-refs", "--all"], cwd=tmp_path / "repo", check=True)
    assert not (tmp_path / "repo" / ".git" / "refs" / "heads" / "feature" / "login").exists()
    assert read_head(tmp_path / "repo") == ("feature/login", commit)
    (tmp_path / "repo" / "sub").mkdir()
    assert read_head(tmp_path / "repo" / "sub") == ("feature/login", commit)  # from a folder below
    subprocess.run(["git", "checkout", "-q", "--detach"], cwd=tmp_path / "repo", check=True)
    assert read_head(tmp_path / "repo") == (None, commit)


def test_collect_without_a_git_binary_still_names_branch_and_commit(tmp_path: Path, monkeypatch) -> None:
    commit = _repo(tmp_path / "repo", branch="main")
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools-here"))  # no git on PATH, as in the image
    meta = collect(tmp_path / "repo", env={})
    assert (meta["branch"], meta["commit"]) == ("main", commit)
    assert meta["source"] == "local"
