"""`e2e run`, `e2e report` and `e2e browser`: thin compositions of the pipeline steps."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from runner.browser import server as browser_server
from runner.browser.chromium import ChromiumNotFound
from runner.report.allure import ReportError, generate_report
from runner.run import NotARunFolder, create_run_dir, point_latest, read_run_json
from runner.settings import Settings, SettingsError, resolve


def load_settings(**overrides: object) -> Settings:
    try:
        return resolve(None, overrides)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _point_latest(run_dir: Path) -> None:
    try:
        point_latest(run_dir)
    except OSError as exc:  # e.g. a file system without symlinks: the run itself is fine
        click.echo(f"note: could not update {run_dir.parent / 'latest'}: {exc}", err=True)


@click.command(
    "run",
    context_settings={
        "ignore_unknown_options": True,
        "allow_extra_args": True,
        "allow_interspersed_args": False,
    },
)
@click.option("--report/--no-report", default=True, show_default=True, help="generate the HTML report")
@click.option("--publish/--no-publish", default=None, help="publish to E2E_REPORT_BUCKET (default: when set)")
@click.option("--bucket", help="S3 bucket for reports [E2E_REPORT_BUCKET]")
@click.option("--prefix", help="key prefix in the bucket [E2E_REPORT_PREFIX]")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def run_command(
    report: bool, publish: bool | None, bucket: str | None, prefix: str | None, pytest_args: tuple[str, ...]
) -> None:
    """Run the suite into a fresh run folder under reports/, make the report, publish it.

    PYTEST_ARGS go to pytest unchanged (e.g. `e2e run -n 2 -m smoke`); without a path the
    suite is features/. Exits with pytest's exit code.
    """
    settings = load_settings(report_bucket=bucket, report_prefix=prefix)
    run_dir = create_run_dir(settings.reports_dir)
    args = list(pytest_args)
    if not any(not a.startswith("-") and Path(a.split("::")[0]).exists() for a in args):
        if (settings.project_root / "features").is_dir():
            args.insert(0, str(settings.project_root / "features"))
    cmd = [sys.executable, "-m", "pytest", "--e2e-run-dir", str(run_dir), *args]
    click.echo(f"e2e: run folder {os.path.relpath(run_dir)}", err=True)
    exit_code = subprocess.call(cmd, cwd=settings.project_root)
    _point_latest(run_dir)
    tool_failed = False
    if report:
        try:
            index = generate_report(run_dir, single_file=True)
            click.echo(f"e2e: report {os.path.relpath(index)}", err=True)
        except (ReportError, NotARunFolder) as exc:
            click.echo(f"e2e: report not generated: {exc}", err=True)
            tool_failed = True
    if publish or (publish is None and settings.report_bucket):
        from runner.publish.publisher import publish_run

        try:
            result = publish_run(settings, run_dir)
            click.echo(f"e2e: published {result.url}", err=True)
        except Exception as exc:  # noqa: BLE001 - any publish failure: keep local results, fail the command
            click.echo(
                f"e2e: publish failed, local results kept in {os.path.relpath(run_dir)}: {exc}", err=True
            )
            tool_failed = True
    sys.exit(exit_code if exit_code != 0 else (1 if tool_failed else 0))


@click.command("report")
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="output folder (default RUN_DIR/report)"
)
@click.option(
    "--single-file/--multi-file",
    default=True,
    show_default=True,
    help="one self-contained index.html (opens from disk and presigned URLs)",
)
@click.option("--name", "report_name", help="report title")
def report_command(
    run_dirs: tuple[Path, ...], output: Path | None, single_file: bool, report_name: str | None
) -> None:
    """Generate the HTML report of one run folder (several: merged into one report)."""
    for run_dir in run_dirs:
        try:
            read_run_json(run_dir)
        except NotARunFolder as exc:
            raise click.ClickException(str(exc)) from None
    try:
        index = generate_report(
            list(run_dirs), output=output, single_file=single_file, report_name=report_name
        )
    except ReportError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(index)


@click.group("browser")
def browser_group() -> None:
    """The shared headless Chromium that all test processes use."""


@contextlib.contextmanager
def _browser_errors() -> Iterator[None]:
    """Every browser command reports a missing or broken browser the same way."""
    try:
        yield
    except (ChromiumNotFound, browser_server.BrowserServerError, SettingsError) as exc:
        raise click.ClickException(str(exc)) from None


@browser_group.command("start")
def browser_start() -> None:
    """Start the shared browser if it is not running (idempotent); print its endpoint."""
    with _browser_errors():
        info, started = browser_server.ensure(load_settings(), persistent=True)
    click.echo(f"{'started' if started else 'running'} pid={info.pid} {info.ws_endpoint}")


@browser_group.command("status")
def browser_status() -> None:
    """Exit 0 and print the endpoint if the shared browser answers, else exit 1."""
    with _browser_errors():
        info = browser_server.status(load_settings())
    if info is None:
        click.echo("not running")
        sys.exit(1)
    click.echo(f"running pid={info.pid} {info.ws_endpoint}")


@browser_group.command("stop")
def browser_stop() -> None:
    """Stop the shared browser (Node server and Chromium together)."""
    with _browser_errors():
        stopped = browser_server.stop(load_settings())
    click.echo("stopped" if stopped else "not running")
