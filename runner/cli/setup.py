"""`e2e init`, `e2e install`, `e2e doctor`: a team's repository from nothing to a working run."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from runner.cli.common import load_settings
from runner.settings import DEMO
from runner.setup.doctor import diagnose
from runner.setup.install import install_all
from runner.setup.scaffold import scaffold


@click.command("init")
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--base-url",
    default="http://localhost:8080",
    show_default=True,
    help=f"The app under test, written to [tool.e2e] base_url ({DEMO!r}: the bundled demo app).",
)
@click.option(
    "--dockerfile/--no-dockerfile",
    default=True,
    show_default=True,
    help="Write a Dockerfile FROM the runner image.",
)
def init_command(directory: Path, base_url: str, dockerfile: bool) -> None:
    """Scaffold a team repository in DIRECTORY: an example feature and step, pyproject.toml,
    buildspec.yml, .gitignore, a README section. An existing file is never overwritten."""
    root = directory.resolve()
    result = scaffold(root, base_url=base_url, dockerfile=dockerfile)
    for rel in result.written:
        click.echo(f"  wrote {rel}")
    for rel in result.kept:
        click.echo(f"  kept  {rel} (already there; compare with `e2e init` in an empty folder)")
    where = "" if root == Path.cwd().resolve() else f"cd {os.path.relpath(root)} && "
    click.echo(f"Next: {where}e2e install && e2e run   (e2e doctor says what is missing)")


@click.command("install")
def install_command() -> None:
    """Install what pip cannot: the pinned Allure report CLI (into your user cache) and
    Chromium (Debian's package as root; otherwise the command to run)."""
    problems = install_all(load_settings(), lambda line: click.echo(line, err=True))
    for problem in problems:
        click.echo(f"e2e install: {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo("e2e install: everything is there. `e2e doctor` checks the rest (app, AWS).", err=True)


@click.command("doctor")
def doctor_command() -> None:
    """Say what a run needs and whether it is there; exit 0 only when a run can work."""
    checks = diagnose(load_settings())
    width = max(len(c.name) for c in checks)
    for check in checks:
        mark = "ok " if check.ok else ("MISSING" if check.required else "absent")
        click.echo(f"{check.name:<{width}}  {mark:<7}  {check.detail}")
        if not check.ok and check.fix:
            click.echo(f"{'':<{width}}  {'':<7}  fix: {check.fix}")
    broken = [c.name for c in checks if c.required and not c.ok]
    if broken:
        click.echo(f"\nA run cannot work yet: {', '.join(broken)}.", err=True)
        sys.exit(1)
    click.echo("\nA run can work.")
