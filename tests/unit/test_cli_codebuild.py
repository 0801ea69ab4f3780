"""runner/cli/codebuild.py: ``e2e codebuild-local --check`` and the option checks, before any container."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from runner.cli.codebuild import _parse_env_options

VALID = """\
version: 0.2
phases:
  build:
    commands:
      - e2e run
"""


def test_check_only_validates_the_buildspec(e2e, project: Path) -> None:
    (project / "buildspec.yml").write_text(VALID)
    result = e2e("codebuild-local", "--check")
    assert result.exit_code == 0, result.output
    assert f"{project / 'buildspec.yml'}: valid buildspec" in result.output


def test_a_broken_buildspec_names_its_file(e2e, project: Path) -> None:
    (project / "buildspec.yml").write_text("version: 0.2\nphases: [not, a, mapping]\n")
    result = e2e("codebuild-local", "--check")
    assert result.exit_code == 1 and "buildspec.yml" in result.output and "Traceback" not in result.output


def test_batch_needs_a_batch_section(e2e, project: Path) -> None:
    (project / "buildspec.yml").write_text(VALID)
    result = e2e("codebuild-local", "--batch", "--check")
    assert result.exit_code == 1 and "--batch given but the buildspec has no batch: section" in result.output


def test_env_options() -> None:
    assert _parse_env_options(("A=1", "B==2", "HOME"), {"HOME": "/root"}) == {
        "A": "1",
        "B": "=2",
        "HOME": "/root",
    }
    with pytest.raises(click.BadParameter, match="expected NAME=VALUE"):
        _parse_env_options(("1BAD=x",), {})
    with pytest.raises(click.BadParameter, match="UNSET_HERE is not set in this shell"):
        _parse_env_options(("UNSET_HERE",), {})
