"""What a CodeBuild build starts from: a fresh source copy, a build number, ``CODEBUILD_*`` variables.

Values from the host (the AWS variables standing in for the project's service role, the
region) are read from the mapping the caller passes, never from this process's environment.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Mapping
from pathlib import Path

from runner.metadata import build_url, git
from runner.run import write_json_atomic

DEFAULT_REGION = "us-east-1"
LOCAL_ACCOUNT = "000000000000"
# Host variables that stand in for the project's service role and region.
PASS_THROUGH = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
)
# Never copied into a build's source: CodeBuild's checkout has none of them either.
ALWAYS_SKIP = {".git", ".venv", "node_modules", "reports", "__pycache__", ".pytest_cache", ".ruff_cache"}


def source_files(source: Path) -> list[str]:
    """Files a CodeBuild checkout would hold: git's tracked files plus untracked, non-ignored ones."""
    listed = git(source, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    if listed is not None:
        names = [n for n in listed.split("\0") if n]
    else:
        names = [str(p.relative_to(source)) for p in source.rglob("*") if p.is_file() or p.is_symlink()]
    return sorted(n for n in names if not (set(Path(n).parts) & ALWAYS_SKIP))


def copy_source(source: Path, dest: Path) -> int:
    """Copy the checkout into ``dest``; returns the number of files."""
    count = 0
    for name in source_files(source):
        src = source / name
        if not (src.is_file() or src.is_symlink()):
            continue  # deleted in the work tree but still tracked
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            target.symlink_to(os.readlink(src))
        else:
            shutil.copy2(src, target)
        count += 1
    return count


def next_build_number(project: str) -> int:
    """A per-project build counter, as CodeBuild keeps one."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "e2e-runner"
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / "codebuild-local-builds.json"
    import fcntl  # POSIX only: imported here so the module itself imports anywhere

    with open(path.with_suffix(".lock"), "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            counters = json.loads(path.read_text()) if path.is_file() else {}
        except (OSError, ValueError):
            counters = {}
        number = int(counters.get(project, 0)) + 1
        counters[project] = number
        write_json_atomic(path, counters)
    return number


def project_name(source: Path) -> str:
    """The CodeBuild project name a source folder stands for when none is given."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", source.name) or "project"


def host_region(environ: Mapping[str, str]) -> str:
    """The region of the host's AWS configuration (``AWS_REGION``, ``AWS_DEFAULT_REGION``), else us-east-1."""
    return environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


def passed_through(environ: Mapping[str, str]) -> dict[str, str]:
    """The host's AWS credentials and endpoints, given to the build as the service role's would be."""
    return {name: environ[name] for name in PASS_THROUGH if environ.get(name)}


def codebuild_variables(
    *,
    project: str,
    build_number: int,
    src_dir: str,
    image: str,
    region: str,
    source: Path,
    identifier: str | None = None,
    now: float | None = None,
) -> dict[str, str]:
    """The variables CodeBuild sets for a build started by a push webhook."""
    build_id = f"{project}:{uuid.uuid4()}"
    arn = f"arn:aws:codebuild:{region}:{LOCAL_ACCOUNT}:build/{build_id}"
    commit = git(source, "rev-parse", "HEAD") or ""
    env = {
        "CODEBUILD_BUILD_ID": build_id,
        "CODEBUILD_BUILD_NUMBER": str(build_number),
        "CODEBUILD_BUILD_ARN": arn,
        "CODEBUILD_BUILD_IMAGE": image,
        "CODEBUILD_BUILD_SUCCEEDING": "1",
        "CODEBUILD_BUILD_URL": build_url({"CODEBUILD_BUILD_ARN": arn}) or "",
        "CODEBUILD_PROJECT_ARN": f"arn:aws:codebuild:{region}:{LOCAL_ACCOUNT}:project/{project}",
        "CODEBUILD_INITIATOR": f"codebuild-local/{_user()}",
        "CODEBUILD_SRC_DIR": src_dir,
        "CODEBUILD_RESOLVED_SOURCE_VERSION": commit,
        "CODEBUILD_SOURCE_VERSION": commit,
        "CODEBUILD_SOURCE_REPO_URL": git(source, "config", "--get", "remote.origin.url") or "",
        "CODEBUILD_START_TIME": str(int((now or time.time()) * 1000)),
        "CODEBUILD_LOCAL": "true",
        # CodeBuild hands credentials to the container itself; locally they come from --env
        # and the host's AWS_* variables, and the SDKs must never fall back to probing the
        # EC2 metadata address from a laptop or CI machine.
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "HOME": "/root",
    }
    env.update(_webhook_variables(git(source, "rev-parse", "--abbrev-ref", "HEAD")))
    if identifier:
        env["CODEBUILD_BATCH_BUILD_IDENTIFIER"] = identifier
    return env


def _webhook_variables(branch: str | None) -> dict[str, str]:
    """What a push webhook adds for ``branch`` (nothing on a detached HEAD)."""
    if not branch or branch == "HEAD":
        return {}
    return {
        "CODEBUILD_WEBHOOK_HEAD_REF": f"refs/heads/{branch}",
        "CODEBUILD_WEBHOOK_TRIGGER": f"branch/{branch}",
        "CODEBUILD_WEBHOOK_EVENT": "PUSH",
    }


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local"
