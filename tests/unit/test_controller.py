"""runner.plugin.controller: the run's start and end in the controller (no browser, no app started)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from runner.plugin.controller import EXIT_SETUP_ERROR, RunController
from runner.plugin.results import ResultWriter
from runner.plugin.state import RunState
from runner.run.folder import create_run_dir
from runner.settings import resolve


def _controller(tmp_path: Path, **env: str) -> RunController:
    settings = resolve(tmp_path, environ={"E2E_CHROMIUM": sys.executable, **env})
    run_dir = create_run_dir(settings.reports_dir)
    return RunController(
        RunState(settings=settings, run_dir=run_dir), ResultWriter(run_dir, run_dir.name, {})
    )


def test_a_run_that_cannot_start_says_so_in_run_json_and_stops(tmp_path: Path) -> None:
    controller = _controller(tmp_path, E2E_BROWSER_ARGS="--enable-features=X")
    with pytest.raises(pytest.UsageError, match="--enable-features would replace"):
        controller.prepare_run()
    run = json.loads((controller.state.run_dir / "run.json").read_text())
    assert run["status"] == "error" and run["exit_code"] == EXIT_SETUP_ERROR
    assert "--enable-features" in run["error"]
    assert controller.held_browser is None and controller.app is None


def test_workers_get_the_run_folder_and_the_apps_url(tmp_path: Path) -> None:
    controller = _controller(tmp_path)
    controller.state.base_url = "http://127.0.0.1:9/"
    node = SimpleNamespace(workerinput={})
    controller.pytest_configure_node(node)
    assert node.workerinput == {
        "e2e_run_dir": str(controller.state.run_dir),
        "e2e_base_url": "http://127.0.0.1:9/",
    }


def test_the_end_of_the_run_writes_the_summary_scrubs_secrets_and_moves_latest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOP_PASSWORD", "hunter2-hunter2")
    controller = _controller(tmp_path)
    run_dir = controller.state.run_dir
    (run_dir / "evidence" / "note.txt").write_text("typed hunter2-hunter2\n")
    session = SimpleNamespace(exitstatus=0, config=SimpleNamespace(option=SimpleNamespace(collectonly=False)))
    controller._finish(session, None)
    assert json.loads((run_dir / "run.json").read_text())["status"] == "no-tests"
    assert "hunter2-hunter2" not in (run_dir / "evidence" / "note.txt").read_text()
    assert (run_dir.parent / "latest").resolve() == run_dir.resolve()


def test_a_summary_that_cannot_be_written_makes_the_run_an_internal_error(tmp_path: Path) -> None:
    controller = _controller(tmp_path)
    controller.state.run_dir.joinpath("run.json").mkdir()  # a folder where run.json goes
    session = SimpleNamespace(exitstatus=0, config=SimpleNamespace(option=SimpleNamespace(collectonly=False)))
    controller._finish(session, None)
    assert session.exitstatus == int(pytest.ExitCode.INTERNAL_ERROR)
    assert not (controller.state.run_dir.parent / "latest").exists()
