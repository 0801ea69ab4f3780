"""The `e2e` command: composes the pipeline's stages; the only package that imports click.

One module per command group (`run`, `browser`, `publish`, `shards`, `codebuild`,
`entrypoint`, `setup`, `a11y`), each a thin layer: settings resolved once (``common.load_settings``), a
stage called, its errors turned into messages. This file is the table of contents.
"""

from __future__ import annotations

import click

from runner.cli.a11y import a11y_group
from runner.cli.baselines import baselines_group
from runner.cli.browser import browser_group
from runner.cli.codebuild import codebuild_local_command
from runner.cli.entrypoint import entrypoint_command
from runner.cli.publish import publish_command, serve_command, show_report_command
from runner.cli.run import report_command, run_command
from runner.cli.setup import doctor_command, init_command, install_command
from runner.cli.shards import merge_command, shard_stash_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="e2e-runner")
def main() -> None:
    """End-to-end UI tests: Gherkin on headless Chromium, reports on S3."""


for _command in (
    run_command,
    report_command,
    browser_group,
    publish_command,
    serve_command,
    show_report_command,
    codebuild_local_command,
    merge_command,
    shard_stash_command,
    entrypoint_command,
    init_command,
    install_command,
    doctor_command,
    a11y_group,
    baselines_group,
):
    main.add_command(_command)
