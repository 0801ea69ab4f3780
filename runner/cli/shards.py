"""`e2e shard-stash` and `e2e merge`: the shards of a batch build become one run and one report."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from runner.cli.common import load_settings, setting_option
from runner.publish.target import PublishError
from runner.report.allure import ReportError
from runner.run.finish import finish_run_folder
from runner.run.folder import REPORT_DIR, NotARunFolder
from runner.run.summary import RunSummary
from runner.settings import Settings
from runner.shards.codebuild_api import BatchError
from runner.shards.errors import MergeError
from runner.shards.merge import merge_runs
from runner.shards.stash import (
    fetch,
    merge_slots,
    open_shards,
    shards_location,
    stash,
    stash_slot,
)

_MERGE_ERRORS = (MergeError, BatchError, PublishError, ReportError, NotARunFolder, OSError, ValueError)


@click.command("shard-stash")
@click.argument("run_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "--as",
    "identifier",
    default=None,
    help="The shard's name (default: CODEBUILD_BATCH_BUILD_IDENTIFIER, else 'shard' + the index of E2E_SHARD).",
)
@setting_option("shards_url")
def shard_stash_command(run_dir: Path, identifier: str | None, shards_url: str | None) -> None:
    """Copy a shard's run folder where the batch's merge build will find it.

    In a CodeBuild batch the stash is keyed by the batch and this build's id (asked of
    CodeBuild's API), so a retried batch never mixes attempts.
    """
    settings = load_settings(shards_url=shards_url)
    location, source = shards_location(settings)
    try:
        slot = stash_slot(settings, identifier)
        count = stash(run_dir.resolve(), open_shards(location, source), slot)
    except (MergeError, BatchError, PublishError, OSError) as exc:
        raise click.ClickException(f"stashing {run_dir} to {location}: {exc}") from None
    click.echo(f"e2e shard-stash: {run_dir} -> {location.rstrip('/')}/{slot} ({count} files)", err=True)


@click.command("merge")
@click.argument("run_dirs", nargs=-1, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--shards",
    "shard_ids",
    default=None,
    metavar="'ID ID...'",
    help="Merge the stashed shards with these identifiers (space or comma separated); in a CodeBuild "
    "batch the default is every shard this build depends on.",
)
@setting_option("shards_url")
@click.option(
    "--report/--no-report", default=True, show_default=True, help="Generate the merged HTML report."
)
def merge_command(
    run_dirs: tuple[Path, ...], shard_ids: str | None, shards_url: str | None, report: bool
) -> None:
    """Merge shard run folders (RUN_DIRS, or stashed shards) into one new run folder and report.

    In a CodeBuild batch, without arguments: the shards this build depends on, each its
    current build (asked of CodeBuild's API). Elsewhere: --shards names them. Exits 1 when
    any merged scenario failed (the batch's status), 0 when all passed.
    """
    names = [n for n in (shard_ids or "").replace(",", " ").split() if n]
    settings = load_settings(shards_url=shards_url)
    try:
        with tempfile.TemporaryDirectory(prefix="e2e-merge-") as tmp:
            dirs, labels = _gather(settings, run_dirs, names, Path(tmp))
            folder, merged = merge_runs(dirs, settings, names=labels, report=report)
    except _MERGE_ERRORS as exc:
        raise click.ClickException(str(exc)) from None
    finish_run_folder(
        folder,
        project_root=settings.project_root,
        reports_dir=settings.reports_dir,
        private=settings.run_folder_mode == "private",
    )
    _say_merged(folder.path, merged, report)
    sys.exit(0 if merged.passed else 1)


def _gather(
    settings: Settings, run_dirs: tuple[Path, ...], names: list[str], tmp: Path
) -> tuple[list[Path], list[str]]:
    """The local run folders to merge and their labels: those given, then the fetched shards
    (in a CodeBuild batch, the current build of each shard the merge depends on)."""
    dirs = [Path(d) for d in run_dirs]
    labels = [d.name for d in dirs]
    if names or not run_dirs:
        location, source = shards_location(settings)
        target = open_shards(location, source)
        slots = merge_slots(settings.batch_key, target, names)
        click.echo(f"e2e merge: shards {', '.join(slots)} from {location}", err=True)
        for name, slot in slots.items():
            dirs.append(fetch(target, slot, tmp, label=name))
            labels.append(name)
    return dirs, labels


def _say_merged(run_dir: Path, merged: RunSummary, report: bool) -> None:
    counts = merged.counts
    click.echo(
        f"e2e merge: {os.path.relpath(run_dir)}: {merged.status} "
        f"({counts.total} scenarios, {counts.failed} failed, {counts.broken} broken)",
        err=True,
    )
    if report:
        click.echo(f"e2e merge: report {os.path.relpath(run_dir / REPORT_DIR / 'index.html')}", err=True)
