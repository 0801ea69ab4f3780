"""`e2e a11y accept RUN_DIR`: the repository's known accessibility violations, from a run."""

from __future__ import annotations

import os
from pathlib import Path

import click

from runner.a11y.known import KnownFileError, known_path
from runner.a11y.scans import accept
from runner.cli.common import load_settings, user_errors
from runner.run.folder import NotARunFolder, read_run_json


@click.group("a11y")
def a11y_group() -> None:
    """Accessibility checks (the phrases `Then the page has no accessibility violations` ...)."""


@a11y_group.command("accept")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--known-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="the known-issues file to write (default: features/a11y-known.json of the project).",
)
def accept_command(run_dir: Path, known_file: Path | None) -> None:
    """Write the known-issues file from RUN_DIR's scans: every violation they found is listed
    (so it no longer fails), the ones gone are removed, and pages the run did not scan keep
    their entries. Review the change like code before committing it."""
    settings = load_settings()
    target = known_file or known_path(settings.project_root)
    with user_errors(KnownFileError, NotARunFolder, ValueError):
        read_run_json(run_dir)  # a run folder, not any folder
        result = accept(run_dir, target)
    click.echo(
        f"e2e: {os.path.relpath(target)}: {result.added} added, {result.removed} gone and removed, "
        f"{result.kept} kept ({result.pages} page(s))"
    )
