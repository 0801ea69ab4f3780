"""The durations a batch's shards are balanced by, chosen once per batch and stashed.

Which run: the newest complete run of the branch published through the configured target
(an index entry whose run.json is a whole suite: unsharded, or merged from shards), else
``reports/latest`` when it is such a run, else none (the shards split by count). Complete:
the suite ran to its end (``passed`` or ``failed``, nothing left unwritten).

Why stashed: a shard that starts after a publish has landed would otherwise choose a newer
run than one that started before it, and the two would assign scenarios differently (some
twice, some never). The first shard of a batch to plan writes ``<batch>/plan.json`` in the
shard stash with a conditional write (``Target.put_new``: of two writers at once one
wins); every shard, the first included, then balances by what the stash holds.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from runner.publish.layout import RUNS_DIR, plan_key
from runner.publish.site import load_index
from runner.publish.target import PublishError, Target
from runner.publish.targets import open_target
from runner.run.durations import COMPLETE_STATUSES, Durations, whole_suite
from runner.run.folder import RUN_JSON, NotARunFolder
from runner.run.summary import RunSummary
from runner.settings import Settings
from runner.shards.codebuild_api import this_build
from runner.shards.errors import MergeError
from runner.shards.stash import local_batch, open_shards, shards_location

# How many of the branch's newest complete entries are opened looking for a whole suite
# (the newest runs of a batched branch alternate shards' and merged runs only when shards
# are published themselves, which the buildspec does not do).
CANDIDATES = 10


def published_durations(site: Target, branch: str | None) -> Durations | None:
    """The durations of the branch's newest whole-suite run on ``site``, or None."""
    index, _ = load_index(site)
    seen = 0
    for entry in index.newest_first():
        if entry.branch != branch or entry.status not in COMPLETE_STATUSES:
            continue
        seen += 1
        if seen > CANDIDATES:
            break
        data = site.read(f"{RUNS_DIR}{entry.run_id}/{RUN_JSON}")
        try:
            run = RunSummary.from_dict(json.loads(data)) if data else None
        except (ValueError, TypeError, KeyError):
            continue
        if run is not None and whole_suite(run):
            return Durations.of_run(run, f"run {run.run_id} ({site.description})")
    return None


def latest_durations(reports_dir: Path) -> Durations | None:
    """The durations of ``reports/latest`` when it is a whole-suite run, else None."""
    latest = reports_dir / "latest"
    try:
        run = RunSummary.read(latest)
    except (NotARunFolder, OSError):
        return None
    return Durations.of_run(run, f"run {run.run_id} ({latest})") if whole_suite(run) else None


def newest_durations(
    published: Callable[[], Target],
    reports_dir: Path,
    branch: str | None,
    warn: Callable[[str], None] = lambda _: None,
) -> Durations:
    """The durations to plan by now: published (the target ``published()`` opens), else
    ``reports/latest``, else none."""
    try:
        found = published_durations(published(), branch)
    except PublishError as exc:
        warn(f"e2e: shard plan: the published runs could not be read ({exc}); trying reports/latest")
        found = None
    return found or latest_durations(reports_dir) or Durations(source=None)


def batch_of(batch_key: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The batch key the stash uses: CodeBuild's batch id, else ``E2E_BATCH_KEY``, else the commit."""
    env = os.environ if environ is None else environ
    build = this_build(env)
    return build.batch_key if build is not None else local_batch(batch_key, env)


def batch_durations(
    settings: Settings,
    branch: str | None,
    environ: Mapping[str, str] | None = None,
    warn: Callable[[str], None] = lambda _: None,
) -> Durations:
    """The batch's durations: the stashed ones, or, for the first shard to ask, the newest
    ones, stashed first (a conditional write, so every shard ends up with the same)."""
    batch = batch_of(settings.batch_key, environ)
    key = plan_key(batch)
    stash = open_shards(*shards_location(settings))
    try:
        data = stash.read(key)
        if data is None:
            chosen = newest_durations(lambda: open_target(settings), settings.reports_dir, branch, warn)
            stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
            if stash.put_new(key, chosen.to_bytes(batch=batch, planned_at=stamp)):
                return chosen
            data = stash.read(key)  # another shard planned first: its plan is the batch's
    except PublishError as exc:
        raise MergeError(f"the batch's shard plan at {stash.description.rstrip('/')}/{key}: {exc}") from None
    if data is None:
        raise MergeError(f"the batch's shard plan at {stash.description.rstrip('/')}/{key} vanished")
    try:
        return Durations.from_bytes(data, f"{stash.description.rstrip('/')}/{key}")
    except ValueError as exc:
        raise MergeError(f"{exc}; remove it or set another E2E_BATCH_KEY") from None
