"""Shards by duration, end to end: a skewed suite (one feature file holding 70 % of the time,
planted sleeps) run whole and published, then as two shards of one batch with a publish
landing between the shards' starts, then merged: every scenario in exactly one shard, the
shards' summed durations within 15 % of their mean."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from runner.publish.index import entry_from_run
from runner.publish.layout import RUNS_DIR, entry_key
from runner.publish.local_target import LocalTarget
from runner.publish.target import Upload
from runner.run.summary import RunSummary
from tests.support import E2EProject
from tests.support.project import ProjectRun

pytestmark = pytest.mark.slow

SLEEPS = """from __future__ import annotations

import time

from pytest_bdd import parsers, step


@step(parsers.parse("the work takes {seconds:f} seconds"))
def work_takes(seconds: float) -> None:
    time.sleep(seconds)
"""

LONG_ROWS = [0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3]  # 5.0 s of 7.15
SMALL = {"a.feature": [0.6, 0.5, 0.4], "b.feature": [0.3, 0.2, 0.15]}


def _feature(name: str, sleeps: list[float]) -> str:
    body = "".join(
        f"  Scenario: {name} {i}\n    Given the work takes {s} seconds\n\n" for i, s in enumerate(sleeps)
    )
    return f"Feature: {name}\n\n{body}"


def _long_feature() -> str:
    rows = "".join(f"      | {s} |\n" for s in LONG_ROWS)
    return (
        "Feature: Long\n\n  Scenario Outline: a long one\n    Given the work takes <s> seconds\n\n"
        f"    Examples:\n      | s |\n{rows}"
    )


def _folder(project: E2EProject, run: ProjectRun) -> Path:
    """The run folder the command named (a shard stash folder may sort after it)."""
    found = re.search(r"^e2e(?: merge)?: (?:run folder )?(reports/[^\s:]+)", run.output, re.MULTILINE)
    assert found, run.output
    return project.root / found.group(1)


def _ids(run_dir: Path) -> dict[str, float]:
    return {s.id: s.duration_seconds for s in RunSummary.read(run_dir).scenarios}


def test_two_shards_of_a_skewed_suite_are_balanced_and_complete(tmp_path: Path) -> None:
    project = E2EProject(tmp_path / "p")
    project.add_steps("sleeps.py", SLEEPS)
    project.add_feature("long.feature", _long_feature())
    for name, sleeps in SMALL.items():
        project.add_feature(name, _feature(name.removesuffix(".feature"), sleeps))
    env = {"E2E_BRANCH": "main", "E2E_BATCH_KEY": "batch-1"}

    whole = project.e2e("run", "--no-report", "--no-publish", **env)
    assert whole.returncode == 0, whole.output
    everything = _ids(_folder(project, whole))
    assert len(everything) == len(LONG_ROWS) + 6
    published = project.e2e("publish", str(_folder(project, whole)), **env)  # to the local site, reports/site
    assert published.returncode == 0, published.output

    first = project.e2e("run", "--shard", "1/2", **env)
    assert first.returncode == 0, first.output
    assert f"by the durations of run {_folder(project, whole).name}" in first.output
    assert "planned seconds per shard (*1: " in first.output

    # A publish lands between the shards' starts: a newer whole run, its durations reversed.
    site = LocalTarget(project.root / "reports" / "site")
    newer = RunSummary.read(_folder(project, whole))
    newer.run_id = "29990101-000000-ffffff"
    newer.started_at = newer.finished_at = "2999-01-01T00:00:00.000+00:00"
    for scenario in newer.scenarios:
        scenario.duration_seconds = 10.0 - scenario.duration_seconds
    site.put([Upload.from_bytes(f"{RUNS_DIR}{newer.run_id}/run.json", json.dumps(newer.to_dict()).encode())])
    site.put(
        [Upload.from_bytes(entry_key(newer.run_id), entry_from_run(newer, published_files=set()).to_bytes())]
    )

    second = project.e2e("run", "--shard", "2/2", **env)
    assert second.returncode == 0, second.output
    assert f"by the durations of run {_folder(project, whole).name}" in second.output

    shards = [_ids(_folder(project, first)), _ids(_folder(project, second))]
    assert not set(shards[0]) & set(shards[1])
    assert set(shards[0]) | set(shards[1]) == set(everything)
    planned = [sum(everything[s] for s in shard) for shard in shards]
    assert max(planned) / (sum(planned) / 2) <= 1.15, planned
    ran = [sum(shard.values()) for shard in shards]
    assert max(ran) / (sum(ran) / 2) <= 1.15, ran
    print(f"planned {planned} ran {ran}: max/mean {max(ran) / (sum(ran) / 2):.3f}")

    merged = project.e2e(
        "merge", "--no-report", str(_folder(project, first)), str(_folder(project, second)), **env
    )
    assert merged.returncode == 0, merged.output
    assert set(_ids(_folder(project, merged))) == set(everything)
