"""runner/cli/__init__.py: the `e2e` command's table of contents, whose modules load on demand."""

from __future__ import annotations

import subprocess
import sys

import click

from runner.cli import COMMANDS, main


def test_every_command_of_the_table_is_there_under_its_own_name(e2e) -> None:
    context = click.Context(main)
    for name in COMMANDS:
        command = main.get_command(context, name)
        assert command is not None and command.name == name
    listed = e2e("--help")
    assert listed.exit_code == 0
    for name in COMMANDS:
        assert f"\n  {name} " in listed.output, f"`e2e --help` does not list {name}"


def test_a_command_loads_only_its_own_modules() -> None:
    # `e2e publish` starts without pytest and the CodeBuild tooling (a quarter of a second).
    code = (
        "import sys\n"
        "from runner.cli import main\n"
        "try:\n"
        "    main(['publish', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in ('pytest', 'runner.codebuild.build', 'runner.cli.run') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]", out
