"""runner/report/tools.py: where the pinned Allure CLI is found, and what is said when it is not.

The tools are handed a ``ReportTools`` (the three settings they read), built once from the settings."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from runner.report import tools
from runner.settings import resolve


def _cli(base: Path) -> Path:
    cli = base / "node_modules" / "allure" / "cli.js"
    cli.parent.mkdir(parents=True)
    cli.write_text("// the CLI")
    axe = base / tools.AXE_SCRIPT  # every pinned tool is there, as `e2e install` leaves them
    axe.parent.mkdir(parents=True, exist_ok=True)
    axe.write_text("// axe")
    return cli


@pytest.fixture
def report_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # no user cache of this machine
    project = tmp_path / "project"
    project.mkdir()
    return tools.ReportTools.from_settings(resolve(project, environ={}))


def test_the_cache_folder_is_named_after_the_lock_files(report_tools) -> None:
    assert (
        tools.cache_dir() == Path(os.environ["XDG_CACHE_HOME"]) / "e2e-runner" / f"allure-{tools.lock_hash()}"
    )
    assert len(tools.lock_hash()) == 12 and tools.lock_hash() == tools.lock_hash()


def test_the_first_place_holding_the_cli_wins(report_tools, tmp_path: Path) -> None:
    assert report_tools.find_allure() is None
    in_project = _cli(report_tools.project_root)
    assert report_tools.find_allure() == in_project
    in_cache = _cli(tools.cache_dir())
    assert report_tools.find_allure() == in_cache
    in_tools_dir = _cli(tmp_path / "tools")
    assert dataclasses.replace(report_tools, tools_dir=str(tmp_path / "tools")).find_allure() == in_tools_dir


def test_a_missing_cli_says_how_to_get_it(report_tools) -> None:
    with pytest.raises(tools.ToolsError, match=r"e2e install.*E2E_TOOLS_DIR"):
        report_tools.allure_cli()


def test_install_is_a_no_op_when_the_cli_is_there(report_tools) -> None:
    cli = _cli(tools.cache_dir())
    said: list[str] = []
    assert report_tools.install(said.append) == cli
    assert said == [f"Allure report CLI and axe-core: already installed ({tools.cache_dir()})"]


def test_install_without_npm_says_what_to_install(report_tools, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(tools.ToolsError, match="npm is needed once"):
        report_tools.install(print)
    assert not tools.cache_dir().exists()


def test_node_comes_from_the_setting_first(report_tools) -> None:
    assert dataclasses.replace(report_tools, node="/opt/node/bin/node").node_binary() == "/opt/node/bin/node"
    assert report_tools.node_binary()  # node on PATH, or Playwright's bundled one
