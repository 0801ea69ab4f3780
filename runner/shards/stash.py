"""Where the shards of a batch meet: ``e2e shard-stash`` puts a shard's run folder there,
``e2e merge`` fetches it back.

The place is a publish Target (an S3 prefix or a local folder), so stashing has the same
uploads, retries and error messages as publishing. Each shard is stored under its name;
its manifest, ``<name>/shard.json``, lists every file and is written last: a fetch reads
exactly the files of the latest complete stash of that shard and nothing else that may lie
under the same name (an earlier, interrupted or longer attempt).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from runner.publish.publisher import collect_files
from runner.publish.targets import PublishError, Target, Upload, target_at
from runner.run import NotARunFolder, RunSummary
from runner.settings import Settings

MANIFEST = "shard.json"
SINGLE_FILE_PREFIX = "report-single-file/"


class MergeError(Exception):
    """Shards cannot be stashed or merged; the message names the shard and what is wrong."""


def shards_location(settings: Settings, environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """Where the shards of this batch meet, and the setting that says so.

    ``E2E_SHARDS_URL`` when set, else ``_shards/<key>`` under the report bucket's prefix (or
    under the reports folder without a bucket). The batch is keyed by ``E2E_BATCH_KEY``, else
    by the commit: every build of one batch builds the same commit.
    """
    if settings.shards_url:
        return settings.shards_url.rstrip("/"), settings.source_of("shards_url")
    env = os.environ if environ is None else environ
    key = settings.batch_key or env.get("CODEBUILD_RESOLVED_SOURCE_VERSION") or "local"
    if settings.report_bucket:
        prefix = f"{settings.report_prefix}/" if settings.report_prefix else ""
        return f"s3://{settings.report_bucket}/{prefix}_shards/{key}", settings.source_of("report_bucket")
    return str(settings.reports_dir / "_shards" / key), settings.source_of("reports_dir")


def open_shards(location: str, source: str) -> Target:
    return target_at(location, source=source)


def shard_name(settings: Settings, given: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """The shard's name: given, else CodeBuild's batch identifier, else ``shard<INDEX>``."""
    env = os.environ if environ is None else environ
    name = given or env.get("CODEBUILD_BATCH_BUILD_IDENTIFIER")
    if not name and settings.shard is not None:
        name = f"shard{settings.shard[0]}"
    return name


def stash(run_dir: Path, target: Target, name: str) -> int:
    """Copy a shard's run folder (without its HTML report) under ``name``; returns the file count."""
    try:
        summary = RunSummary.read(run_dir)
    except NotARunFolder as exc:
        raise MergeError(str(exc)) from None
    files = {
        rel: path for rel, path in collect_files(run_dir).items() if not rel.startswith(SINGLE_FILE_PREFIX)
    }
    uploads = [Upload.from_file(f"{name}/{rel}", path) for rel, path in files.items()]
    _put(target, uploads)
    manifest = {
        "identifier": name,
        "run_id": summary.run_id,
        "status": summary.status,
        "build_id": summary.metadata.get("build_id"),
        "commit": summary.metadata.get("commit"),
        "stashed_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "files": sorted(files),
    }
    _put(target, [Upload.from_bytes(f"{name}/{MANIFEST}", json.dumps(manifest, indent=1).encode())])
    return len(files)


def _put(target: Target, uploads: list[Upload]) -> None:
    report = target.put(uploads)
    if report.failed:
        key, exc = next(iter(report.failed.items()))
        raise target.explain(exc, f"stashing {key}")


def fetch(target: Target, name: str, into: Path) -> Path:
    """Bring the stashed shard ``name`` into ``into/name``; returns that run folder."""
    data = target.read(f"{name}/{MANIFEST}")
    if data is None:
        raise MergeError(
            f"shard {name!r}: nothing at {_where(target, name)} (no {MANIFEST}; did its build reach post_build?)"
        )
    try:
        files = [str(f) for f in json.loads(data)["files"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise MergeError(f"shard {name!r}: {_where(target, name)}{MANIFEST} is unreadable ({exc}).") from exc
    dest = into / name
    for rel in files:
        if rel.startswith("/") or ".." in rel.split("/"):
            raise MergeError(f"shard {name!r}: {MANIFEST} names a path outside the shard: {rel!r}")
        try:
            target.download(f"{name}/{rel}", dest / rel)
        except PublishError as exc:
            raise MergeError(f"shard {name!r}: {exc}") from None
    return dest


def _where(target: Target, name: str) -> str:
    return f"{target.description.rstrip('/')}/{name}/"
