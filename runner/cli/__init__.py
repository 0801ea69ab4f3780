"""The `e2e` command: composes the pipeline's stages; the only package that imports click.

One module per command group (`run`, `browser`, `publish`, `shards`, `codebuild`,
`entrypoint`, `setup`, `a11y`), each a thin layer: settings resolved once (``common.load_settings``), a
stage called, its errors turned into messages. This file is the table of contents.

A command's module is imported when that command is asked for (click's lazily loaded
subcommands): `e2e publish` does not import pytest, the CodeBuild tooling or the browser's
lifecycle, a quarter of a second of every command's start; `e2e --help` imports them all.
"""

from __future__ import annotations

import importlib

import click

# Command name -> (module, attribute): the whole `e2e` command line.
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("runner.cli.run", "run_command"),
    "report": ("runner.cli.run", "report_command"),
    "browser": ("runner.cli.browser", "browser_group"),
    "publish": ("runner.cli.publish", "publish_command"),
    "serve": ("runner.cli.publish", "serve_command"),
    "show-report": ("runner.cli.publish", "show_report_command"),
    "codebuild-local": ("runner.cli.codebuild", "codebuild_local_command"),
    "merge": ("runner.cli.shards", "merge_command"),
    "shard-stash": ("runner.cli.shards", "shard_stash_command"),
    "entrypoint": ("runner.cli.entrypoint", "entrypoint_command"),
    "init": ("runner.cli.setup", "init_command"),
    "install": ("runner.cli.setup", "install_command"),
    "doctor": ("runner.cli.setup", "doctor_command"),
    "a11y": ("runner.cli.a11y", "a11y_group"),
    "baselines": ("runner.cli.baselines", "baselines_group"),
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            module, attribute = COMMANDS[cmd_name]
            command = getattr(importlib.import_module(module), attribute)
            if command.name != cmd_name:  # the table and the command's own name must agree
                raise RuntimeError(f"{module}.{attribute} is named {command.name!r}, listed as {cmd_name!r}")
            self.add_command(command)
        return super().get_command(ctx, cmd_name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="e2e-runner")
def main() -> None:
    """End-to-end UI tests: Gherkin on headless Chromium, reports on S3."""
