"""What a CodeBuild build starts from: a fresh source copy, a build number, ``CODEBUILD_*`` variables.

Values from the host (the AWS variables standing in for the project's service role, the
region) are read from the mapping the caller passes, never from this process's environment.

The variables a local build gets are the service's, as for a build started by a push
webhook from GitHub, and no others. "documented" means listed on CodeBuild's
"Environment variables in build environments" page; "seen" means set by the service in
real builds but not on that page.

| variable | source | local value |
|---|---|---|
| ``AWS_DEFAULT_REGION``, ``AWS_REGION`` | documented | ``--region``, else the host's ``AWS_REGION``/``AWS_DEFAULT_REGION``, else us-east-1 |
| ``CODEBUILD_BATCH_BUILD_IDENTIFIER`` | documented | the batch task's identifier (batch builds only) |
| ``CODEBUILD_BUILD_ARN`` | documented | ``arn:aws:codebuild:REGION:000000000000:build/PROJECT:UUID`` |
| ``CODEBUILD_BUILD_ID`` | documented | ``PROJECT:UUID`` |
| ``CODEBUILD_BUILD_IMAGE`` | documented | the image the build runs in (``--image``) |
| ``CODEBUILD_BUILD_NUMBER`` | documented | a per-project counter kept in the user's cache folder |
| ``CODEBUILD_BUILD_SUCCEEDING`` | documented | ``1``; ``0`` once a phase has failed (the driver sets it) |
| ``CODEBUILD_BUILD_URL`` | seen (not documented) | the console link of the build, as the service sets it |
| ``CODEBUILD_INITIATOR`` | documented | ``codebuild-local/USER`` (a user-started build has the user's name) |
| ``CODEBUILD_KMS_KEY_ID`` | documented | ``arn:aws:kms:REGION:000000000000:alias/aws/s3``, the service's default key |
| ``CODEBUILD_LOG_PATH`` | documented | ``UUID``: the CloudWatch Logs stream name, the build ID's second part |
| ``CODEBUILD_PROJECT_ARN`` | documented | ``arn:aws:codebuild:REGION:000000000000:project/PROJECT`` |
| ``CODEBUILD_RESOLVED_SOURCE_VERSION`` | documented | the source's ``HEAD`` commit |
| ``CODEBUILD_SOURCE_REPO_URL`` | documented | the source's ``remote.origin.url`` (empty without one) |
| ``CODEBUILD_SOURCE_VERSION`` | documented | the ``HEAD`` commit (a push webhook builds a commit) |
| ``CODEBUILD_SRC_DIR`` | documented | ``/codebuild/output/srcNNNNNNNNN/src`` |
| ``CODEBUILD_START_TIME`` | documented | the start, Unix time in milliseconds |
| ``CODEBUILD_WEBHOOK_ACTOR_ACCOUNT_ID`` | documented | empty: no GitHub account pushed (push builds only, as all webhook variables) |
| ``CODEBUILD_WEBHOOK_BASE_REF`` | documented | empty: the docs define it for pull requests; a push has no base |
| ``CODEBUILD_WEBHOOK_EVENT`` | documented | ``PUSH`` |
| ``CODEBUILD_WEBHOOK_HEAD_REF`` | documented | ``refs/heads/BRANCH`` |
| ``CODEBUILD_WEBHOOK_PREV_COMMIT`` | documented | ``HEAD``'s parent, the commit before the push (40 zeros for a first commit, as GitHub sends for a new branch) |
| ``CODEBUILD_WEBHOOK_TRIGGER`` | documented | ``branch/BRANCH`` |
| ``HOME`` | documented | ``/root`` ("always") |

The webhook variables are set when the source is on a branch; on a detached ``HEAD`` the
build is like one started by hand with a commit, and has none. Documented, never set
locally: ``CODEBUILD_PUBLIC_BUILD_URL`` (public builds only), ``CODEBUILD_WEBHOOK_MERGE_COMMIT``
(merged pull requests only), secondary sources' ``CODEBUILD_SRC_DIR_<id>`` and friends.

Not the service's variables, set for the emulation: the host's ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN`` and ``AWS_ENDPOINT_URL[_S3]`` (``PASS_THROUGH``),
standing in for the service role, and ``AWS_EC2_METADATA_DISABLED=true``: a CodeBuild container
cannot reach an instance metadata service either, and on a laptop or an EC2 CI machine the
SDKs must not fall back to the host's own credentials. The driver's own variables (the plan,
the state folder, the owner to give files back to) are not visible to the build's commands.
The emulator tells its containers apart by their Docker label (``e2e-runner.codebuild-local``),
not by a variable.
"""

from __future__ import annotations

import getpass
import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Mapping
from pathlib import Path

from runner.metadata import build_url, git
from runner.processes import user_cache_dir
from runner.run.folder import write_json_atomic
from runner.slug import slugify

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
# Never copied into a build's source: CodeBuild's checkout has none of them either. (The
# checkout's own .git is made by ``make_git_checkout``, not copied.)
ALWAYS_SKIP = {".git", ".venv", "node_modules", "reports", "__pycache__", ".pytest_cache", ".ruff_cache"}
# What GitHub sends as the commit before a push that created the branch.
NO_COMMIT = "0" * 40


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


def make_git_checkout(source: Path, dest: Path) -> str | None:
    """Give the copy in ``dest`` the ``.git`` of CodeBuild's GitHub checkout; None, or why not.

    That checkout is a clone of depth 1 (the template's ``GitCloneDepth: 1``) with ``HEAD``
    detached at the commit built. Here: the source's ``HEAD`` commit fetched at depth 1 into a
    new repository, ``HEAD`` detached at it, the index read from it (the copied work tree's
    uncommitted changes show as changes, as they are what is built), ``origin`` the source's.
    """
    if git(source, "rev-parse", "--verify", "-q", "HEAD") is None:
        return "the source is not a git repository with a commit"
    steps = [
        ["init", "-q"],
        ["fetch", "-q", "--depth", "1", "--no-tags", source.resolve().as_uri(), "HEAD"],
        ["update-ref", "--no-deref", "HEAD", "FETCH_HEAD"],
        ["reset", "-q"],
    ]
    origin = git(source, "config", "--get", "remote.origin.url")
    if origin:
        steps.append(["remote", "add", "origin", origin])
    for args in steps:
        try:
            subprocess.run(["git", *args], cwd=dest, capture_output=True, text=True, timeout=300, check=True)
        except (OSError, subprocess.SubprocessError) as exc:
            shutil.rmtree(dest / ".git", ignore_errors=True)
            detail = getattr(exc, "stderr", None) or str(exc)
            return f"git {args[0]} failed: {detail.strip()}"
    (dest / ".git" / "FETCH_HEAD").unlink(missing_ok=True)
    return None


def next_build_number(project: str) -> int:
    """A per-project build counter, as CodeBuild keeps one."""
    cache = user_cache_dir()
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
    return slugify(source.name, keep="A-Za-z0-9_-", squeeze=False, strip="", fallback="project")


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
    build_id: str | None = None,
) -> dict[str, str]:
    """The variables CodeBuild sets for a build started by a push webhook (see the module docstring).

    ``build_id`` is given for a batch's builds, whose ids the local CodeBuild stand-in knows.
    """
    build_id = build_id or f"{project}:{uuid.uuid4()}"
    build_uuid = build_id.split(":", 1)[-1]
    arn = f"arn:aws:codebuild:{region}:{LOCAL_ACCOUNT}:build/{build_id}"
    commit = git(source, "rev-parse", "HEAD") or ""
    env = {
        "CODEBUILD_BUILD_ID": build_id,
        "CODEBUILD_BUILD_NUMBER": str(build_number),
        "CODEBUILD_BUILD_ARN": arn,
        "CODEBUILD_BUILD_IMAGE": image,
        "CODEBUILD_BUILD_SUCCEEDING": "1",
        "CODEBUILD_BUILD_URL": build_url({"CODEBUILD_BUILD_ARN": arn}) or "",
        "CODEBUILD_INITIATOR": f"codebuild-local/{_user()}",
        "CODEBUILD_KMS_KEY_ID": f"arn:aws:kms:{region}:{LOCAL_ACCOUNT}:alias/aws/s3",
        "CODEBUILD_LOG_PATH": build_uuid,
        "CODEBUILD_PROJECT_ARN": f"arn:aws:codebuild:{region}:{LOCAL_ACCOUNT}:project/{project}",
        "CODEBUILD_SRC_DIR": src_dir,
        "CODEBUILD_RESOLVED_SOURCE_VERSION": commit,
        "CODEBUILD_SOURCE_VERSION": commit,
        "CODEBUILD_SOURCE_REPO_URL": git(source, "config", "--get", "remote.origin.url") or "",
        "CODEBUILD_START_TIME": str(int((now or time.time()) * 1000)),
        # Not the service's: see the module docstring.
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "HOME": "/root",
    }
    branch = git(source, "rev-parse", "--abbrev-ref", "HEAD")
    previous = git(source, "rev-parse", "--verify", "-q", "HEAD^") or NO_COMMIT
    env.update(_webhook_variables(branch, previous))
    if identifier:
        env["CODEBUILD_BATCH_BUILD_IDENTIFIER"] = identifier
    return env


def _webhook_variables(branch: str | None, previous: str) -> dict[str, str]:
    """What a push webhook adds for ``branch`` (nothing on a detached HEAD)."""
    if not branch or branch == "HEAD":
        return {}
    return {
        "CODEBUILD_WEBHOOK_ACTOR_ACCOUNT_ID": "",
        "CODEBUILD_WEBHOOK_BASE_REF": "",
        "CODEBUILD_WEBHOOK_EVENT": "PUSH",
        "CODEBUILD_WEBHOOK_HEAD_REF": f"refs/heads/{branch}",
        "CODEBUILD_WEBHOOK_PREV_COMMIT": previous,
        "CODEBUILD_WEBHOOK_TRIGGER": f"branch/{branch}",
    }


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local"
