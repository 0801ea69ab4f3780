"""`e2e baselines accept RUN_DIR`: a run's actual images become the repository's baselines."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from runner.cli.common import load_settings
from runner.visual.baselines import accept_run
from runner.visual.remote import fetch_run, is_remote


@click.group("baselines")
def baselines_group() -> None:
    """Visual baselines: take a run's rendering as the new expected images."""


@baselines_group.command("accept")
@click.argument("run_dir")
@click.option("--dry-run", is_flag=True, help="say what would change, write nothing")
def accept_command(run_dir: str, dry_run: bool) -> None:
    """Copy RUN_DIR's actual images (mismatches, missing and written baselines) over the
    baselines next to the features, printing each one added or updated.

    RUN_DIR is a local run folder, or a published run: s3://BUCKET/PREFIX/runs/RUN_ID/ or
    the URL of that folder on the team's site."""
    settings = load_settings()
    try:
        if is_remote(run_dir):
            with tempfile.TemporaryDirectory(prefix="e2e-accept-") as folder:
                accepted = accept_run(
                    fetch_run(run_dir, Path(folder)), settings.project_root, dry_run=dry_run
                )
        else:
            accepted = accept_run(Path(run_dir), settings.project_root, dry_run=dry_run)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if not accepted:
        where = run_dir if is_remote(run_dir) else os.path.relpath(run_dir)
        click.echo(f"e2e: {where} has no visual changes to accept")
        return
    verb = "would be " if dry_run else ""
    for item in accepted:
        click.echo(f"{verb}{item.change}: {item.baseline}")
    changed = sum(1 for a in accepted if a.change != "unchanged")
    click.echo(f"e2e: {changed} baseline(s) {verb or ''}changed, {len(accepted) - changed} unchanged")
