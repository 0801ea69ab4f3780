"""The `e2e` command: composes the pipeline steps (run, report, publish, codebuild-local).

Each subcommand lives in the module of its concern and is added here, so this file stays a
table of contents.
"""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="e2e-runner")
def main() -> None:
    """End-to-end UI tests: Gherkin on headless Chromium, reports on S3."""


def _add_commands() -> None:
    from runner.codebuild.local import codebuild_local_command
    from runner.cli.run import browser_group, report_command, run_command
    from runner.cli.entrypoint import entrypoint_command
    from runner.shards.merge import merge_command, shard_stash_command
    from runner.publish.publisher import publish_command

    main.add_command(run_command)
    main.add_command(report_command)
    main.add_command(browser_group)
    main.add_command(publish_command)
    main.add_command(codebuild_local_command)
    main.add_command(merge_command)
    main.add_command(shard_stash_command)
    main.add_command(entrypoint_command)


_add_commands()
