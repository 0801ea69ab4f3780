"""The unit tier's fixtures: a project folder as the current folder, with none of the caller's settings."""

from __future__ import annotations

import os
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from runner.cli import main


class Cli:
    """The ``e2e`` command run in this process (click's runner), in ``root``: ``e2e("run")``, or one
    command of a module straight away: ``e2e.invoke(run_command, "--no-report")``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __call__(self, *args: str) -> Result:
        return self.invoke(main, *args)

    def invoke(self, command: click.Command, *args: str) -> Result:
        return CliRunner().invoke(command, list(args), catch_exceptions=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp_path/project`` with a pyproject.toml testing the demo app, as the current folder;
    ``E2E_*`` variables cleared but a state folder of its own."""
    for name in list(os.environ):
        if name.startswith(("E2E_", "CODEBUILD_", "AWS_")):
            monkeypatch.delenv(name)
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[project]\nname = "unit"\nversion = "0"\n\n[tool.e2e]\nbase_url = "demo"\n'
    )
    monkeypatch.setenv("E2E_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def e2e(project: Path) -> Cli:
    return Cli(project)
