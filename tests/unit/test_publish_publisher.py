"""runner.publish.publisher: the order of a publish, seen through its dry run (no report made)."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.publish.local_target import LocalTarget
from runner.publish.publisher import MAX_PRESIGN_SECONDS, publish_run
from runner.publish.target import PublishError
from runner.run.folder import create_run_dir
from runner.run.summary import RunSummary, ScenarioResult
from runner.settings import resolve


def test_a_dry_run_plans_the_run_folder_and_writes_nothing(tmp_path: Path) -> None:
    run_dir = create_run_dir(tmp_path / "reports")
    RunSummary.build(
        run_dir.name, [ScenarioResult(id="a", name="a")], started=None, finished=None, exit_code=0
    ).write(run_dir)
    site = tmp_path / "site"
    lines: list[str] = []
    result = publish_run(
        LocalTarget(site), run_dir, resolve(tmp_path), dry_run=True, log=lines.append, out=lines.append
    )
    assert result.dry_run and result.uploaded == 0 and result.run_id == run_dir.name
    assert any(line.startswith(f"PUT runs/{run_dir.name}/run.json") for line in lines)
    assert any("would generate the site report" in line for line in lines)
    assert not list(site.rglob("*.json"))


def test_a_folder_that_is_not_a_run_and_a_bad_presign_are_refused(tmp_path: Path) -> None:
    settings = resolve(tmp_path)
    with pytest.raises(PublishError, match="not a run folder"):
        publish_run(LocalTarget(tmp_path / "site"), tmp_path, settings, log=lambda line: None)
    with pytest.raises(PublishError, match=f"1 to {MAX_PRESIGN_SECONDS} seconds"):
        publish_run(LocalTarget(tmp_path / "site"), tmp_path, settings, presign=0, log=lambda line: None)
