"""`e2e baselines accept RUN_DIR`: a run's actual images become the repository's baselines."""

from __future__ import annotations

import os
from pathlib import Path

import click

from runner.cli.common import load_settings
from runner.visual.baselines import accept_run


@click.group("baselines")
def baselines_group() -> None:
    """Visual baselines: take a run's rendering as the new expected images."""


@baselines_group.command("accept")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="say what would change, write nothing")
def accept_command(run_dir: Path, dry_run: bool) -> None:
    """Copy RUN_DIR's actual images (mismatches, missing and written baselines) over the
    baselines next to the features, printing each one added or updated."""
    settings = load_settings()
    try:
        accepted = accept_run(run_dir, settings.project_root, dry_run=dry_run)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if not accepted:
        click.echo(f"e2e: {os.path.relpath(run_dir)} has no visual changes to accept")
        return
    verb = "would be " if dry_run else ""
    for item in accepted:
        click.echo(f"{verb}{item.change}: {item.baseline}")
    changed = sum(1 for a in accepted if a.change != "unchanged")
    click.echo(f"e2e: {changed} baseline(s) {verb or ''}changed, {len(accepted) - changed} unchanged")
