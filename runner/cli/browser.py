"""`e2e browser start|status|stop`: the shared headless Chromium that all test processes use."""

from __future__ import annotations

import sys

import click

from runner.browser.chromium import ChromiumNotFound
from runner.browser.server import BrowserServerError, SharedBrowser
from runner.cli.common import load_settings, user_errors

_BROWSER_ERRORS = (ChromiumNotFound, BrowserServerError)


@click.group("browser")
def browser_group() -> None:
    """The shared headless Chromium that all test processes use."""


@browser_group.command("start")
def browser_start() -> None:
    """Start the shared browser if it is not running (idempotent); print its endpoint."""
    with user_errors(*_BROWSER_ERRORS):
        info, started = SharedBrowser.from_settings(load_settings()).ensure(persistent=True)
    click.echo(f"{'started' if started else 'running'} pid={info.pid} {info.ws_endpoint}")


@browser_group.command("status")
def browser_status() -> None:
    """Exit 0 and print the endpoint if the shared browser answers, else exit 1."""
    with user_errors(*_BROWSER_ERRORS):
        info = SharedBrowser.from_settings(load_settings()).status()
    if info is None:
        click.echo("not running")
        sys.exit(1)
    click.echo(f"running pid={info.pid} {info.ws_endpoint}")


@browser_group.command("stop")
def browser_stop() -> None:
    """Stop the shared browser (Node server and Chromium together)."""
    with user_errors(*_BROWSER_ERRORS):
        stopped = SharedBrowser.from_settings(load_settings()).stop()
    click.echo("stopped" if stopped else "not running")
