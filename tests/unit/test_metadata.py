"""runner/metadata.py: branch and commit read from ``.git`` itself, and the CodeBuild console link."""

from __future__ import annotations

from pathlib import Path

from runner.metadata import build_url, collect, read_head

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _repo(root: Path, head: str) -> Path:
    (root / ".git" / "refs" / "heads" / "feature").mkdir(parents=True)
    (root / ".git" / "HEAD").write_text(head + "\n")
    return root


def test_a_loose_branch_ref(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "ref: refs/heads/feature/x")
    (repo / ".git" / "refs" / "heads" / "feature" / "x").write_text(COMMIT + "\n")
    assert read_head(repo / "sub" / "dir") == ("feature/x", COMMIT)  # found from below, as git does


def test_a_packed_ref_a_detached_head_and_garbage(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "a", "ref: refs/heads/main")
    (repo / ".git" / "packed-refs").write_text(f"# pack-refs with: peeled\n{COMMIT} refs/heads/main\n")
    assert read_head(repo) == ("main", COMMIT)
    assert read_head(_repo(tmp_path / "b", COMMIT)) == (None, COMMIT)
    assert read_head(_repo(tmp_path / "c", "not a ref")) == (None, None)
    assert read_head(tmp_path / "nowhere") == (None, None)


def test_a_worktree_reads_refs_from_its_common_folder(tmp_path: Path) -> None:
    main = _repo(tmp_path / "main", "ref: refs/heads/main")
    (main / ".git" / "refs" / "heads" / "wt").write_text(COMMIT)
    gitdir = main / ".git" / "worktrees" / "wt"
    gitdir.mkdir(parents=True)
    (gitdir / "HEAD").write_text("ref: refs/heads/wt\n")
    (gitdir / "commondir").write_text("../..\n")
    (tmp_path / "wt").mkdir()
    (tmp_path / "wt" / ".git").write_text(f"gitdir: {gitdir}\n")
    assert read_head(tmp_path / "wt") == ("wt", COMMIT)


def test_the_console_link_from_the_url_or_the_arn() -> None:
    assert build_url({"CODEBUILD_BUILD_URL": "https://given"}) == "https://given"
    arn = "arn:aws:codebuild:eu-west-1:123456789012:build/shop-e2e:0b1c"
    assert build_url({"CODEBUILD_BUILD_ARN": arn}) == (
        "https://eu-west-1.console.aws.amazon.com/codesuite/codebuild/123456789012/projects/shop-e2e/"
        "build/shop-e2e%3A0b1c/?region=eu-west-1"
    )
    assert build_url({"CODEBUILD_BUILD_ARN": "arn:aws:s3:::bucket"}) is None


def test_codebuild_variables_win_over_the_checkout(tmp_path: Path) -> None:
    env = {
        "CODEBUILD_BUILD_ID": "shop-e2e:0b1c",
        "CODEBUILD_WEBHOOK_HEAD_REF": "refs/heads/release",
        "CODEBUILD_RESOLVED_SOURCE_VERSION": COMMIT,
        "CODEBUILD_BUILD_NUMBER": "7",
    }
    found = collect(tmp_path, env=env)
    assert (found["branch"], found["commit"], found["source"], found["build_number"]) == (
        "release",
        COMMIT,
        "codebuild",
        "7",
    )
    assert collect(tmp_path, branch="given", env=env)["branch"] == "given"
