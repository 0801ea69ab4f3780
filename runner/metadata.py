"""Who ran this and on what: branch, commit and build, from CodeBuild's variables or git."""

from __future__ import annotations

import os
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
    return {
        "branch": branch,
        "commit": env.get("CODEBUILD_RESOLVED_SOURCE_VERSION") or git(project_root, "rev-parse", "HEAD"),
        "build_id": env.get("CODEBUILD_BUILD_ID"),
        "build_number": env.get("CODEBUILD_BUILD_NUMBER"),
        "build_url": build_url(env),
        "initiator": env.get("CODEBUILD_INITIATOR"),
        "batch_shard": env.get("CODEBUILD_BATCH_BUILD_IDENTIFIER"),
        "source": "codebuild" if in_codebuild else "local",
    }
