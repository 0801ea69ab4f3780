"""runner/cli/publish.py: ``e2e publish`` finds the newest run, its dry run changes nothing; ``e2e serve``'s errors."""

from __future__ import annotations

import socket
from pathlib import Path

from runner.cli.publish import publish_command, serve_command
from tests.support.runs import synthetic_run, tree_digest


def test_without_a_run_folder_it_says_where_it_looked(e2e, project: Path) -> None:
    result = e2e.invoke(publish_command)
    assert result.exit_code == 1
    assert f"no run folder under {project / 'reports'}; pass RUN_DIR." in result.output


def test_a_dry_run_lists_the_uploads_and_writes_nothing(e2e, project: Path) -> None:
    run = synthetic_run(project / "reports")
    before = tree_digest(run)
    result = e2e.invoke(publish_command, "--to", "site", "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"publish: run {run.name} -> {project / 'site'}" in result.output
    assert f"PUT runs/{run.name}/run.json" in result.output
    # (the target's preflight makes the folder itself, empty: nothing is written into it)
    assert not any((project / "site").rglob("*")) and tree_digest(run) == before


def test_serve_refuses_a_missing_folder_and_a_taken_port(e2e, project: Path) -> None:
    missing = e2e.invoke(serve_command, "--to", "nowhere")
    assert missing.exit_code == 2 and "nowhere" in missing.output
    (project / "site").mkdir()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = e2e.invoke(serve_command, "--to", "site", "--port", str(port))
    assert result.exit_code == 1 and f"--port {port}: cannot listen on 127.0.0.1" in result.output
