"""Where the shards of a batch meet: ``e2e shard-stash`` puts a shard's run folder there,
``e2e merge`` fetches it back.

The place is a publish Target (an S3 prefix or a local folder), so stashing has the same
uploads, retries and error messages as publishing. Each stash has a slot of its own::

    _shards/<batch>/<shard>/<attempt>/...      the run folder (without its HTML report)
    _shards/<batch>/<shard>/<attempt>/shard.json   its manifest, written last

In a CodeBuild batch, ``<batch>`` is the batch's id and ``<attempt>`` the shard build's id
(``runner.shards.codebuild_api``): a retried batch or a second batch of the same commit never shares
a slot, and the merge reads exactly the current build of each shard, as the API names it.
Elsewhere the batch is ``E2E_BATCH_KEY``, else the commit, and a merge takes each shard's
newest complete stash. A fetch reads exactly the files its manifest lists.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from runner.publish.layout import (
    LOCAL_ATTEMPT,
    SHARD_MANIFEST,
    SHARDS_DIR,
    SINGLE_FILE_PREFIX,
    shard_root,
    stash_slot_key,
)
from runner.publish.target import PublishError, Target, Upload
from runner.publish.targets import target_at
from runner.publish.uploads import collect_files
from runner.run.folder import NotARunFolder
from runner.run.summary import RunSummary
from runner.settings import Settings
from runner.shards.codebuild_api import current_shards, safe_key, this_build
from runner.shards.errors import MergeError

MANIFEST = SHARD_MANIFEST


def shards_location(settings: Settings) -> tuple[str, str]:
    """The root where every batch's shards meet, and the setting that says so: ``E2E_SHARDS_URL``,
    else ``_shards`` under the report bucket's prefix (or under the reports folder)."""
    if settings.shards_url:
        return settings.shards_url.rstrip("/"), settings.source_of("shards_url")
    if settings.report_bucket:
        prefix = f"{settings.report_prefix}/" if settings.report_prefix else ""
        return f"s3://{settings.report_bucket}/{prefix}{SHARDS_DIR}", settings.source_of("report_bucket")
    return str(settings.reports_dir / SHARDS_DIR), settings.source_of("reports_dir")


def open_shards(location: str, source: str) -> Target:
    return target_at(location, source=source)


def local_batch(batch_key: str | None, env: Mapping[str, str]) -> str:
    """Outside a CodeBuild batch: ``E2E_BATCH_KEY`` (``batch_key``), else the commit."""
    return safe_key(batch_key or env.get("CODEBUILD_RESOLVED_SOURCE_VERSION") or "local")


def stash_slot(settings: Settings, given: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The slot of this shard's stash: ``<batch>/<shard>/<attempt>``.

    The shard's name is ``given``, else CodeBuild's batch identifier, else ``shard<INDEX>``.
    """
    env = os.environ if environ is None else environ
    build = this_build(env)
    name = given or env.get("CODEBUILD_BATCH_BUILD_IDENTIFIER")
    if not name and settings.shard is not None:
        name = f"shard{settings.shard[0]}"
    if not name:
        raise MergeError("no shard name: pass --as NAME (CODEBUILD_BATCH_BUILD_IDENTIFIER is not set)")
    if build is not None:
        return stash_slot_key(build.batch_key, safe_key(name), build.attempt)
    return stash_slot_key(local_batch(settings.batch_key, env), safe_key(name), LOCAL_ATTEMPT)


def merge_slots(
    batch_key: str | None, target: Target, names: list[str], environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Shard name -> slot to merge. In a CodeBuild batch: the current build of each shard the
    merge depends on (``names``, if given, must be among them); elsewhere each named shard's
    newest complete stash, in the batch ``batch_key`` (``E2E_BATCH_KEY``) names, else the commit's."""
    env = os.environ if environ is None else environ
    build = this_build(env)
    if build is not None:
        current = current_shards(build)
        unknown = [n for n in names if n not in current]
        if unknown:
            raise MergeError(
                f"shard(s) {', '.join(unknown)} are not in this batch (it has {', '.join(current)})"
            )
        wanted = names or list(current)
        return {n: stash_slot_key(build.batch_key, safe_key(n), safe_key(current[n])) for n in wanted}
    if not names:
        raise MergeError("outside a CodeBuild batch, name the shards to merge: --shards 'ID ID...'")
    batch = local_batch(batch_key, env)
    return {name: _newest_slot(target, shard_root(batch, safe_key(name))) for name in names}


def _newest_slot(target: Target, shard_root: str) -> str:
    manifests = [k for k in target.list(f"{shard_root}/") if k.endswith(f"/{MANIFEST}")]
    if not manifests:
        raise MergeError(
            f"shard {shard_root.rsplit('/', 1)[-1]!r}: nothing at {_where(target, shard_root)} "
            f"(no {MANIFEST}; did its build reach post_build?)"
        )
    stamped = []
    for key in manifests:
        try:
            stamped.append((json.loads(target.read(key) or b"{}").get("stashed_at") or "", key))
        except ValueError:
            continue
    return max(stamped)[1].rsplit("/", 1)[0] if stamped else manifests[0].rsplit("/", 1)[0]


def stash(run_dir: Path, target: Target, slot: str) -> int:
    """Copy a shard's run folder (without its HTML report) into ``slot``, its manifest last;
    returns the file count."""
    try:
        summary = RunSummary.read(run_dir)
    except NotARunFolder as exc:
        raise MergeError(str(exc)) from None
    files = {
        rel: path for rel, path in collect_files(run_dir).items() if not rel.startswith(SINGLE_FILE_PREFIX)
    }
    uploads = [Upload.from_file(f"{slot}/{rel}", path) for rel, path in files.items()]
    _put(target, uploads)
    manifest = {
        "slot": slot,
        "run_id": summary.run_id,
        "status": summary.status,
        "build_id": summary.metadata.get("build_id"),
        "commit": summary.metadata.get("commit"),
        "stashed_at": datetime.now(UTC).isoformat(timespec="microseconds"),
        "files": sorted(files),
    }
    _put(target, [Upload.from_bytes(f"{slot}/{MANIFEST}", json.dumps(manifest, indent=1).encode())])
    return len(files)


def _put(target: Target, uploads: list[Upload]) -> None:
    report = target.put(uploads)
    if report.failed:
        key, exc = next(iter(report.failed.items()))
        raise target.explain(exc, f"stashing {key}")


def fetch(target: Target, slot: str, into: Path, *, label: str | None = None) -> Path:
    """Bring the stash in ``slot`` into ``into/<label>``; returns that run folder."""
    name = label or slot
    data = target.read(f"{slot}/{MANIFEST}")
    if data is None:
        raise MergeError(
            f"shard {name!r}: nothing at {_where(target, slot)} (no {MANIFEST}; did its build reach post_build?)"
        )
    try:
        files = [str(f) for f in json.loads(data)["files"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise MergeError(f"shard {name!r}: {_where(target, slot)}{MANIFEST} is unreadable ({exc}).") from exc
    dest = into / safe_key(name)
    for rel in files:
        if rel.startswith("/") or ".." in rel.split("/"):
            raise MergeError(f"shard {name!r}: {MANIFEST} names a path outside the shard: {rel!r}")
        try:
            target.download(f"{slot}/{rel}", dest / rel)
        except PublishError as exc:
            raise MergeError(f"shard {name!r}: {exc}") from None
    return dest


def _where(target: Target, name: str) -> str:
    return f"{target.description.rstrip('/')}/{name}/"
