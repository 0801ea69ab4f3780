"""`e2e run` and `e2e report`: the suite into a fresh run folder, and that run's HTML report."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import click
import pytest

from runner.cli.common import load_settings, setting_option, user_errors
from runner.metadata import collect as collect_metadata
from runner.publish.publisher import publish_run
from runner.publish.targets import open_target
from runner.report.allure import ReportError, generate_report, make_run_report
from runner.run.durations import PLAN_FILE, PLAN_FLAG
from runner.run.finish import finish_run_folder
from runner.run.folder import NotARunFolder, RunFolderError, make_run_folder
from runner.run.summary import RunSummary
from runner.settings import Settings, SettingsError, resolve
from runner.shards.errors import MergeError
from runner.shards.plan import batch_durations

# pytest's exit code for a usage error; a run that cannot start exits with it too.
EXIT_USAGE = 4


def _pytest_command(
    project_root: Path, run_dir: Path, pytest_args: tuple[str, ...], plan: Path | None = None
) -> list[str]:
    args = list(pytest_args)
    if not any(not a.startswith("-") and Path(a.split("::")[0]).exists() for a in args):
        if (project_root / "features").is_dir():
            args.insert(0, str(project_root / "features"))
    planned = [PLAN_FLAG, str(plan)] if plan is not None else []
    return [sys.executable, "-m", "pytest", "--e2e-run-dir", str(run_dir), *planned, *args]


def _shard_arg(pytest_args: tuple[str, ...]) -> str | None:
    """``--shard I/N`` among the pytest arguments: this run is a shard (it plans, makes no report)."""
    for i, arg in enumerate(pytest_args):
        if arg == "--shard" and i + 1 < len(pytest_args):
            return pytest_args[i + 1]
        if arg.startswith("--shard="):
            return arg.split("=", 1)[1]
    return None


def _shard_plan(settings: Settings, run_dir: Path) -> Path:
    """The durations this shard balances by (the batch's, stashed once), written into its run folder."""
    branch = collect_metadata(settings.project_root, branch=settings.branch)["branch"]
    durations = batch_durations(settings, branch, warn=lambda line: click.echo(line, err=True))
    path = run_dir / PLAN_FILE
    path.write_bytes(durations.to_bytes())
    return path


def run_pytest(cmd: list[str], cwd: Path) -> int:
    """pytest as a child that is always let finish writing up its run.

    Ctrl-C reaches pytest from the terminal (same process group) and pytest stops the tests
    and writes up what ran; this process must not kill it meanwhile, as ``subprocess.call``
    does a quarter second after an interrupt. SIGTERM (``docker stop``, CodeBuild's timeout)
    is sent to this process only, so it is passed on; pytest's plugin treats it like Ctrl-C.
    """
    child = subprocess.Popen(cmd, cwd=cwd)

    def forward(signum: int, frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)

    previous_term = signal.signal(signal.SIGTERM, forward)
    previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return child.wait()
    finally:
        signal.signal(signal.SIGTERM, previous_term)
        signal.signal(signal.SIGINT, previous_int)


def _make_report(run_dir: Path, settings: Settings) -> bool:
    """The run's own report; False (said on stderr) when it could not be made."""
    try:
        index = make_run_report(run_dir, settings)
    except (ReportError, NotARunFolder) as exc:
        click.echo(f"e2e: report not generated: {exc}", err=True)
        return False
    click.echo(f"e2e: report {os.path.relpath(index)}", err=True)
    return True


def _publish(run_dir: Path, settings: Settings) -> bool:
    """Publish the run; False (said on stderr, the local run kept) when it failed."""
    try:
        result = publish_run(open_target(settings), run_dir, settings)
    except Exception as exc:  # noqa: BLE001 - any publish failure: keep local results, fail the command
        click.echo(f"e2e: publish failed, local results kept in {os.path.relpath(run_dir)}: {exc}", err=True)
        return False
    for line in result.links():
        click.echo(f"e2e: {line}", err=True)
    return True


@click.command(
    "run",
    context_settings={
        "ignore_unknown_options": True,
        "allow_extra_args": True,
        "allow_interspersed_args": False,
    },
)
@click.option(
    "--report/--no-report",
    default=None,
    help="generate the HTML report [default: yes, except in a batch shard, whose merge makes it]",
)
@click.option("--publish/--no-publish", default=None, help="publish to E2E_REPORT_BUCKET (default: when set)")
@setting_option("report_bucket")
@setting_option("report_prefix")
@setting_option("update_baselines")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def run_command(
    report: bool | None,
    publish: bool | None,
    report_bucket: str | None,
    report_prefix: str | None,
    update_baselines: str | None,
    pytest_args: tuple[str, ...],
) -> None:
    """Run the suite into a fresh run folder under reports/, make the report, publish it.

    PYTEST_ARGS go to pytest unchanged (e.g. `e2e run -n 2 -m smoke`); without a path the
    suite is features/. Exits with pytest's exit code.
    """
    try:
        given = {
            "report_bucket": report_bucket,
            "report_prefix": report_prefix,
            "shard": _shard_arg(pytest_args),
        }
        settings = resolve(None, given)
    except SettingsError as exc:
        click.echo(f"e2e: {exc}", err=True)
        sys.exit(EXIT_USAGE)  # as pytest exits on a usage error: the run could not start
    try:
        folder = make_run_folder(settings.reports_dir, source=settings.source_of("reports_dir"))
    except RunFolderError as exc:
        click.echo(f"e2e: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    run_dir = folder.path
    plan = None
    if settings.shard is not None:
        try:
            plan = _shard_plan(settings, run_dir)
        except MergeError as exc:
            click.echo(f"e2e: shard {settings.shard[0]}/{settings.shard[1]}: {exc}", err=True)
            sys.exit(EXIT_USAGE)
    # The run's first line is the plugin's: which app is under test.
    # The plugin moves reports/latest when the run's summary is written.
    if update_baselines:  # a flag of the plugin's: pytest resolves it with the rest
        pytest_args = ("--update-baselines", update_baselines, *pytest_args)
    exit_code = run_pytest(
        _pytest_command(settings.project_root, run_dir, pytest_args, plan), settings.project_root
    )
    click.echo(f"e2e: run folder {os.path.relpath(run_dir)}", err=True)
    tool_ok = True
    if report if report is not None else settings.shard is None:
        tool_ok = _make_report(run_dir, settings)
    # The report's files too: private modes, handed over with the rest of what this run made.
    finish_run_folder(
        folder, project_root=settings.project_root, private=settings.run_folder_mode == "private"
    )
    if publish or (publish is None and settings.report_bucket):
        tool_ok = _publish(run_dir, settings) and tool_ok
    if settings.shard is not None and exit_code == int(pytest.ExitCode.TESTS_FAILED):
        # A shard succeeds when its suite ran: the merge build fails for its failed scenarios,
        # whether or not the batch runs the merge after a failed shard.
        click.echo(
            f"e2e: shard {settings.shard[0]}/{settings.shard[1]}: scenarios failed; this shard build "
            "succeeds (its suite ran) and the merge build reports the failures.",
            err=True,
        )
        exit_code = int(pytest.ExitCode.OK)
    sys.exit(exit_code if exit_code != 0 else (0 if tool_ok else 1))


@click.command("report")
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="output folder (default: the run's own report, RUN_DIR/report; required for several runs)",
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
    """Generate the HTML report of one run folder (several: merged into one report in -o)."""
    settings = load_settings()
    with user_errors(NotARunFolder, ReportError):
        for run_dir in run_dirs:
            RunSummary.read(run_dir)
        if output is None and len(run_dirs) == 1 and single_file:
            index = make_run_report(run_dirs[0], settings, report_name=report_name)
        elif output is None:
            raise click.UsageError(
                "give -o/--output DIR: only a single-file report of one run is its own report (RUN_DIR/report)"
            )
        else:
            index = generate_report(
                list(run_dirs), settings, output=output, single_file=single_file, report_name=report_name
            )
    click.echo(index)
