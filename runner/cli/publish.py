"""`e2e publish` (a run folder to S3 or a local folder, with the index and `latest`) and
`e2e serve` (the published site on 127.0.0.1), `e2e show-report` (one local run folder, the same way)."""

from __future__ import annotations

import webbrowser
from pathlib import Path

import click

from runner.cli.common import load_settings, setting_option
from runner.publish.publisher import MAX_PRESIGN_SECONDS, PublishError, publish_run
from runner.publish.run_site import RunSite
from runner.publish.targets import open_target
from runner.publish.viewer import make_server
from runner.run.folder import NotARunFolder, latest_run_dir


@click.command("publish")
@click.argument("run_dir", required=False, type=click.Path(path_type=Path, file_okay=False))
@setting_option("report_bucket")
@setting_option("report_prefix")
@click.option(
    "--presign",
    type=click.IntRange(1, MAX_PRESIGN_SECONDS),
    is_flag=False,
    flag_value=3600,
    default=None,
    metavar="[SECONDS]",
    help="Print a presigned URL of a single-file report (default 3600 s), for private buckets.",
)
@click.option(
    "--to",
    "to",
    type=click.Path(path_type=Path, file_okay=False),
    help="Publish to this local folder instead (the default without a bucket: reports/site).",
)
@click.option("--dry-run", is_flag=True, help="Print what would be uploaded; change nothing.")
def publish_command(
    run_dir: Path | None,
    report_bucket: str | None,
    report_prefix: str | None,
    presign: int | None,
    to: Path | None,
    dry_run: bool,
) -> None:
    """Upload RUN_DIR (default: the newest run under reports/) and update the index and `latest`.

    Prints the report URL. Nothing of other runs is deleted or overwritten, and the run
    folder itself is only read.
    """
    settings = load_settings(report_bucket=report_bucket, report_prefix=report_prefix)
    if run_dir is None:
        run_dir = latest_run_dir(settings.reports_dir)
        if run_dir is None:
            raise click.ClickException(f"no run folder under {settings.reports_dir}; pass RUN_DIR.")
    try:
        result = publish_run(open_target(settings, to), run_dir, settings, presign=presign, dry_run=dry_run)
    except PublishError as exc:
        raise click.ClickException(f"{exc}\nThe run folder {run_dir} is kept as it was.") from exc
    if result.dry_run:
        return
    if result.url:
        click.echo(result.url)
    else:
        click.echo(f"run {result.run_id} has no HTML report; its entry is in the index.", err=True)
    for line in result.links()[1 if result.url else 0 :]:
        click.echo(line, err=True)


@click.command("serve")
@setting_option("report_bucket")
@setting_option("report_prefix")
@click.option(
    "--to",
    "to",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Serve this local site folder instead (default without a bucket: reports/site).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    help="The port on 127.0.0.1 (default: a free one, printed).",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the index in the default browser.")
@click.argument("path", required=False, default="")
def serve_command(
    report_bucket: str | None,
    report_prefix: str | None,
    to: Path | None,
    port: int,
    open_browser: bool,
    path: str,
) -> None:
    """Serve the published reports on 127.0.0.1 with your own AWS credentials.

    Index of runs, latest/..., every multi-file report with its screenshots and traces:
    fetched from the bucket as you browse. Nothing to deploy, no public access. PATH is
    the page to open with --open (for example runs/<run-id>/report/).
    """
    settings = load_settings(report_bucket=report_bucket, report_prefix=report_prefix)
    target = open_target(settings, to)
    try:
        target.preflight()
    except PublishError as exc:
        raise click.ClickException(str(exc)) from exc
    _serve_until_stopped(target, port, path, "e2e serve", target.description, open_browser)


@click.command("show-report")
@click.argument("run_dir", required=False, type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    help="The port on 127.0.0.1 (default: a free one, printed).",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the run's page in the default browser.")
def show_report_command(run_dir: Path | None, port: int, open_browser: bool) -> None:
    """Serve RUN_DIR (default: the newest run under reports/) on 127.0.0.1, with its report and
    Playwright's trace viewer: each failure's `trace` link opens in the viewer, on this origin."""
    if run_dir is None:
        settings = load_settings()
        run_dir = latest_run_dir(settings.reports_dir)
        if run_dir is None:
            raise click.ClickException(f"no run folder under {settings.reports_dir}; pass RUN_DIR.")
    try:
        site = RunSite(run_dir)
    except NotARunFolder as exc:
        raise click.ClickException(str(exc)) from exc
    _serve_until_stopped(site, port, "", "e2e show-report", f"run {site.run_id}", open_browser)


def _serve_until_stopped(source, port: int, path: str, who: str, what: str, open_browser: bool) -> None:
    """Serve ``source`` on 127.0.0.1 until Ctrl-C: the URL on stdout, what is served on stderr."""
    try:
        server = make_server(source, port, log=lambda line: click.echo(f"{who}: {line}", err=True))
    except OSError as exc:
        raise click.ClickException(f"--port {port}: cannot listen on 127.0.0.1 ({exc}); try --port 0.") from None
    url = f"http://127.0.0.1:{server.server_address[1]}/{path.lstrip('/')}"
    click.echo(url)
    click.echo(f"{who}: {what} at {url} (Ctrl-C to stop)", err=True)
    if open_browser:
        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
