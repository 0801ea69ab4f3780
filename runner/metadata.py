"""Who ran this and on what: branch, commit and build, from CodeBuild's variables or git."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path


def git(root: Path, *args: str) -> str | None:
    """A git command's output in ``root``, or None when git or the repository is not there."""
    try:
        out = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out or None


def _git_dir(root: Path) -> Path | None:
    for folder in (root, *root.parents):
        dot_git = folder / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():  # a worktree or submodule: "gitdir: PATH"
            text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
            if text.startswith("gitdir:"):
                target = Path(text[len("gitdir:") :].strip())
                return target if target.is_absolute() else (folder / target).resolve()
    return None


def read_head(root: Path) -> tuple[str | None, str | None]:
    """(branch, commit) read from ``.git`` itself, for where git is not installed (the image)
    or refuses a repository owned by another user (a mounted checkout).

    Only the plain cases are read (a branch ref, loose or packed, or a detached HEAD);
    anything else gives None rather than a guess.
    """
    git_dir = _git_dir(root)
    if git_dir is None:
        return None, None
    try:
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        return None, None
    if not head.startswith("ref: "):
        return None, head if re.fullmatch(r"[0-9a-f]{40,64}", head) else None
    ref = head[len("ref: ") :]
    branch = _branch_from_ref(ref)
    common = git_dir
    if (git_dir / "commondir").is_file():  # a worktree keeps refs in the main repository
        common = (git_dir / (git_dir / "commondir").read_text().strip()).resolve()
    commit = None
    loose = common / ref
    if loose.is_file():
        commit = loose.read_text(encoding="utf-8").strip()
    elif (common / "packed-refs").is_file():
        for line in (common / "packed-refs").read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1] == ref:
                commit = parts[0]
    return branch, commit


def _branch_from_ref(ref: str | None) -> str | None:
    if not ref:
        return None
    for prefix in ("refs/heads/", "refs/tags/"):
        if ref.startswith(prefix):
            return ref[len(prefix) :]
    if ref.startswith("pr/"):
        return ref
    return None


def build_url(env: Mapping[str, str]) -> str | None:
    """The console link of a CodeBuild build; built from the ARN when CODEBUILD_BUILD_URL is missing."""
    if env.get("CODEBUILD_BUILD_URL"):
        return env["CODEBUILD_BUILD_URL"]
    arn = env.get("CODEBUILD_BUILD_ARN", "")
    # arn:aws:codebuild:REGION:ACCOUNT:build/PROJECT:UUID
    parts = arn.split(":", 5)
    if len(parts) != 6 or not parts[5].startswith("build/"):
        return None
    region, account, build_id = parts[3], parts[4], parts[5][len("build/") :]
    project = build_id.split(":", 1)[0]
    return (
        f"https://{region}.console.aws.amazon.com/codesuite/codebuild/{account}/projects/{project}/"
        f"build/{build_id.replace(':', '%3A')}/?region={region}"
    )


def collect(
    project_root: Path, *, branch: str | None = None, env: Mapping[str, str] | None = None
) -> dict[str, str | None]:
    """Branch, commit and build of this run; ``branch`` (the ``E2E_BRANCH`` setting) wins."""
    env = os.environ if env is None else env
    in_codebuild = bool(env.get("CODEBUILD_BUILD_ID"))
    branch = (
        branch
        or _branch_from_ref(env.get("CODEBUILD_WEBHOOK_HEAD_REF"))
        or _branch_from_ref(env.get("CODEBUILD_SOURCE_VERSION"))
        or git(project_root, "rev-parse", "--abbrev-ref", "HEAD")
    )
    if branch == "HEAD":
        branch = None
    commit = env.get("CODEBUILD_RESOLVED_SOURCE_VERSION") or git(project_root, "rev-parse", "HEAD")
    if branch is None or commit is None:
        head_branch, head_commit = read_head(project_root)
        branch, commit = branch or head_branch, commit or head_commit
    return {
        "branch": branch,
        "commit": commit,
        "build_id": env.get("CODEBUILD_BUILD_ID"),
        "build_number": env.get("CODEBUILD_BUILD_NUMBER"),
        "build_url": build_url(env),
        "initiator": env.get("CODEBUILD_INITIATOR"),
        "batch_shard": env.get("CODEBUILD_BATCH_BUILD_IDENTIFIER"),
        "source": "codebuild" if in_codebuild else "local",
    }
