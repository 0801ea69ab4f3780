"""runner/cli/setup.py: ``e2e init`` and ``e2e install`` as a team runs them."""

from __future__ import annotations

from pathlib import Path

from runner.cli.setup import init_command, install_command
from runner.setup.scaffold import FILES


def test_init_writes_then_keeps_and_says_what_next(e2e, project: Path) -> None:
    first = e2e.invoke(init_command, "team", "--base-url", "https://app.example.test")
    assert first.exit_code == 0, first.output
    assert all(f"  wrote {rel}" in first.output for rel in FILES)
    assert "Next: cd team && e2e install && e2e run" in first.output
    assert 'base_url = "https://app.example.test"' in (project / "team" / "pyproject.toml").read_text()
    second = e2e.invoke(init_command, "team", "--no-dockerfile")
    assert "  kept  pyproject.toml (already there" in second.output and "wrote" not in second.output


def test_init_refuses_a_file_as_the_folder(e2e, project: Path) -> None:
    (project / "afile").write_text("x")
    result = e2e.invoke(init_command, "afile")
    assert result.exit_code == 2 and "afile" in result.output


def test_install_with_every_part_there(e2e, tmp_path: Path, monkeypatch) -> None:
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    cli = tmp_path / "tools" / "node_modules" / "allure" / "cli.js"
    cli.parent.mkdir(parents=True)
    cli.write_text("//")
    monkeypatch.setenv("E2E_CHROMIUM", str(chromium))
    monkeypatch.setenv("E2E_TOOLS_DIR", str(tmp_path / "tools"))
    result = e2e.invoke(install_command)
    assert result.exit_code == 0, result.output
    assert f"Chromium: {chromium}" in result.output and "everything is there" in result.output
