"""`e2e codebuild-local`: run buildspec.yml in the image as AWS CodeBuild would, before you push.

The command reads its options and this shell's variables, and reports; the work is done by
``runner.codebuild.local``.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

import click

from runner.cli.common import load_settings, setting_option, user_errors
from runner.codebuild.build import BuildRequest, BuildResult
from runner.codebuild.buildspec import Buildspec, load_buildspec
from runner.codebuild.environment import host_region, passed_through, project_name
from runner.codebuild.errors import CodebuildLocalError
from runner.codebuild.local import buildspec_notes, run_local
from runner.codebuild.printer import Printer
from runner.codebuild.yaml_checker import BuildspecError
from runner.settings import Settings


def _parse_env_options(values: tuple[str, ...], environ: Mapping[str, str]) -> dict[str, str]:
    result = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not name or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
            raise click.BadParameter(f"{item!r}: expected NAME=VALUE or NAME", param_hint="--env")
        if not sep:
            if name not in environ:
                raise click.BadParameter(f"{name} is not set in this shell", param_hint="--env")
            value = environ[name]
        result[name] = value
    return result


@click.command("codebuild-local")
@click.option(
    "--buildspec",
    "buildspec_path",
    default="buildspec.yml",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The buildspec to run (relative to --source).",
)
# The default is the image setting's ([tool.e2e] image, E2E_IMAGE), resolved when needed.
@setting_option("image")
@click.option(
    "--source",
    default=".",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The project to build (default: the current folder).",
)
@click.option(
    "--project", default=None, help="CodeBuild project name for the variables (default: folder name)."
)
@click.option(
    "--region", default=None, help="AWS region for the variables (default: AWS_REGION or us-east-1)."
)
@click.option(
    "-e",
    "--env",
    "env_items",
    multiple=True,
    metavar="NAME[=VALUE]",
    help="A project environment variable (overrides the buildspec's, literally). NAME alone copies it "
    "from this shell. Repeatable.",
)
@click.option(
    "--batch", is_flag=True, help="Run the buildspec's batch: section (builds as concurrent containers)."
)
@click.option("--build", "build_first", is_flag=True, help="Build the image from ./Dockerfile first.")
@click.option("--keep-workspace", is_flag=True, help="Keep each build's source copy for inspection.")
@click.option(
    "--allow-missing-reports",
    is_flag=True,
    help="Do not fail the local run when a reports: group finds no files or an invalid file.",
)
@click.option("--check", "check_only", is_flag=True, help="Only check the buildspec; run nothing.")
def codebuild_local_command(
    buildspec_path: Path,
    image: str | None,
    source: Path,
    project: str | None,
    region: str | None,
    env_items: tuple[str, ...],
    batch: bool,
    build_first: bool,
    keep_workspace: bool,
    allow_missing_reports: bool,
    check_only: bool,
) -> None:
    """Run buildspec.yml in the image as AWS CodeBuild would, before you push.

    The image's ENTRYPOINT is replaced (as CodeBuild replaces it), the source is a fresh
    copy at a CodeBuild-like path (with the .git of a depth-1 clone), CODEBUILD_* variables
    are set, each command runs in env.shell (/bin/sh when unset) and the phases follow
    CodeBuild's rules, on-failure included. The exit status is the build's status.
    """
    source = source.resolve()
    path = buildspec_path if buildspec_path.is_absolute() else source / buildspec_path
    with user_errors(BuildspecError):
        spec = load_buildspec(path)
    for note in buildspec_notes(spec):
        click.echo(note, err=True)
    if batch and spec.batch is None:
        raise click.ClickException(f"{path}: --batch given but the buildspec has no batch: section")
    if check_only:
        click.echo(f"{path}: valid buildspec ({_outline(spec)})")
        return

    overrides = passed_through(os.environ)
    overrides.update(_parse_env_options(env_items, os.environ))
    request = BuildRequest(
        spec=spec,
        image=_image(image),
        source=source,
        project=project or project_name(source),
        region=region or host_region(os.environ),
        overrides=overrides,
        keep_workspace=keep_workspace,
        reports_dest=source / "reports",
    )
    with user_errors(CodebuildLocalError, BuildspecError):
        results, ok = run_local(request, batch=batch, build_first=build_first, printer=Printer())
    ok = _summarise(results, ok, allow_missing_reports)
    click.echo(f"codebuild-local: {'batch' if batch else 'build'} {'SUCCEEDED' if ok else 'FAILED'}")
    sys.exit(0 if ok else 1)


def _image(flag: str | None) -> str:
    """``--image``, else the image setting ([tool.e2e] image, E2E_IMAGE) unless empty, else the default."""
    if flag is not None:
        return flag
    return load_settings().image or Settings.image


def _outline(spec: Buildspec) -> str:
    """The buildspec's shell, phases (with their on-failure), report groups and batch kind, for ``--check``."""
    phases = ", ".join(
        name + (f" (on-failure {p.on_failure.action})" if p.on_failure.action != "DEFAULT" else "")
        for name, p in spec.phases.items()
    )
    batch = f"; batch: {spec.batch.kind}" if spec.batch else ""
    return f"shell: {spec.shell}; phases: {phases}; reports: {len(spec.reports)}{batch}"


def _summarise(results: list[BuildResult], ok: bool, allow_missing_reports: bool) -> bool:
    """Print each build's state and the report problems; returns ``ok``, false when a problem counts."""
    click.echo("")
    for result in results:
        phases = ", ".join(f"{p}={s}" for p, s in result.phases.items())
        click.echo(
            f"codebuild-local: {result.identifier or 'build'}: {result.state}"
            + (f" ({phases})" if phases else "")
        )
    problems = [p for r in results for p in r.report_problems]
    if problems and not allow_missing_reports:
        click.echo("codebuild-local: reports: problems found (--allow-missing-reports to ignore):", err=True)
        for problem in problems:
            click.echo(f"  {problem}", err=True)
        return False
    return ok
