"""The image's ENTRYPOINT: start the shared browser, then become the given command.

``docker run IMAGE`` runs the suite (``e2e run``); ``docker run IMAGE CMD ARGS...`` runs
CMD with the browser already up. Nothing may *depend* on this having run: CodeBuild
replaces a custom image's ENTRYPOINT with its own, so the runner starts the browser itself
when none is running and ``buildspec.yml`` starts it explicitly in ``pre_build``. This
command only makes the first scenario of a ``docker run`` as fast as the rest.
"""

from __future__ import annotations

import os
import shutil
import sys

import click

from runner.cli.common import setting_option
from runner.settings import Settings, SettingsError, resolve

DEFAULT_COMMAND = ("e2e", "run")


def start_browser(settings: Settings) -> str | None:
    """Start (or find) the shared browser server; returns an error message instead of raising."""
    try:
        from runner.browser.server import SharedBrowser

        info, started = SharedBrowser.from_settings(settings).ensure(persistent=True)
    except Exception as exc:  # noqa: BLE001 - any failure is reported, the command still runs
        return f"{type(exc).__name__}: {exc}"
    verb = "started" if started else "already running"
    click.echo(f"e2e entrypoint: shared browser {verb} at {info.ws_endpoint} (pid {info.pid})", err=True)
    return None


@click.command(
    "entrypoint",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@setting_option("entrypoint_no_browser")
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
def entrypoint_command(entrypoint_no_browser: bool | None, command: tuple[str, ...]) -> None:
    """Start the shared browser, then run COMMAND (default: `e2e run`) in its place.

    The image's ENTRYPOINT. A browser that cannot start is reported but does not stop
    COMMAND: a shell or a diagnostic command should still run, and the suite itself
    gives the full error when it needs the browser.
    """
    argv = list(command) or list(DEFAULT_COMMAND)
    try:
        settings = resolve(None, {"entrypoint_no_browser": entrypoint_no_browser})
    except SettingsError as exc:
        # A shell or `e2e doctor` must still start in a misconfigured container.
        click.echo(f"e2e entrypoint: {exc} Not starting the shared browser; going on.", err=True)
        settings = None
    if settings is not None and not settings.entrypoint_no_browser:
        error = start_browser(settings)
        if error:
            click.echo(f"e2e entrypoint: could not start the shared browser ({error}); going on.", err=True)
    executable = shutil.which(argv[0])
    if executable is None:
        raise click.ClickException(f"command not found: {argv[0]}")
    sys.stdout.flush()
    sys.stderr.flush()
    # exec, not a child: signals from `docker stop` reach the command and its exit
    # status is the container's.
    os.execv(executable, argv)


if __name__ == "__main__":  # `python -m runner.cli.entrypoint`
    entrypoint_command()
