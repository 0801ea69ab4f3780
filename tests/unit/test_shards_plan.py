"""Which durations a batch plans by: the branch's newest whole-suite run, once per batch."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from runner.publish.index import entry_from_run
from runner.publish.layout import RUNS_DIR, entry_key, plan_key
from runner.publish.local_target import LocalTarget
from runner.publish.target import Upload
from runner.publish.targets import open_target
from runner.run.durations import Durations, whole_suite
from runner.run.summary import RunSummary, ScenarioResult
from runner.settings import resolve
from runner.shards.errors import MergeError
from runner.shards.plan import batch_durations, latest_durations, newest_durations

T0 = datetime(2025, 5, 1, 12, tzinfo=UTC)


def _run(number: int, seconds: float, *, branch: str = "main", status: str = "passed", **meta) -> RunSummary:
    scenarios = [
        ScenarioResult(id=f"f.feature::test_{i}", name=f"s{i}", duration_seconds=seconds) for i in range(3)
    ]
    start = T0 + timedelta(minutes=number)
    run = RunSummary.build(
        f"20250501-1200{number:02}-abcdef",
        scenarios,
        started=start,
        finished=start + timedelta(seconds=30),
        exit_code=0,
        metadata={"branch": branch, **meta},
    )
    run.status = status
    return run


def _publish(site: LocalTarget, run: RunSummary) -> None:
    site.put([Upload.from_bytes(f"{RUNS_DIR}{run.run_id}/run.json", json.dumps(run.to_dict()).encode())])
    entry = entry_from_run(run, published_files={"run.json"})
    site.put([Upload.from_bytes(entry_key(run.run_id), entry.to_bytes())])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "p"\n')
    return tmp_path


def test_the_newest_whole_suite_run_of_the_branch_is_chosen(project: Path) -> None:
    settings = resolve(project, environ={})
    site = LocalTarget(settings.reports_dir / "site")
    _publish(site, _run(1, 2.0))  # the one: a whole run of main
    _publish(site, _run(2, 3.0, status="interrupted"))
    _publish(site, _run(3, 4.0, shard="1/2"))
    _publish(site, _run(4, 5.0, batch_shard="shard2"))
    _publish(site, _run(5, 6.0, branch="other"))
    chosen = newest_durations(lambda: open_target(settings), settings.reports_dir, "main")
    assert set(chosen.seconds.values()) == {2.0}
    assert "20250501-120001-abcdef" in (chosen.source or "")
    merged = _run(6, 7.0, shard="1/2")
    merged.merged_from = ["a", "b"]
    assert whole_suite(merged)
    _publish(site, merged)
    assert set(newest_durations(lambda: open_target(settings), settings.reports_dir, "main").seconds.values()) == {7.0}
    assert newest_durations(lambda: open_target(settings), settings.reports_dir, "nobody's").seconds == {}


def test_reports_latest_when_nothing_is_published(project: Path) -> None:
    settings = resolve(project, environ={})
    latest = settings.reports_dir / "latest"
    latest.mkdir(parents=True)
    _run(1, 1.5, shard="2/2").write(latest)
    assert latest_durations(settings.reports_dir) is None  # a shard is not the whole suite
    _run(1, 1.5).write(latest)
    assert set(newest_durations(lambda: open_target(settings), settings.reports_dir, "main").seconds.values()) == {1.5}


def test_every_shard_of_a_batch_plans_by_the_same_durations_though_a_publish_lands(project: Path) -> None:
    settings = resolve(project, environ={"E2E_BATCH_KEY": "b-1"})
    site = LocalTarget(settings.reports_dir / "site")
    _publish(site, _run(1, 2.0))
    first = batch_durations(settings, "main", environ={})
    _publish(site, _run(2, 9.0))  # lands between the shards' starts
    second = batch_durations(settings, "main", environ={})
    assert first == second and set(second.seconds.values()) == {2.0}
    assert (settings.reports_dir / "_shards" / plan_key("b-1")).is_file()
    # Another batch plans anew, by the newest run.
    other = resolve(project, environ={"E2E_BATCH_KEY": "b-2"})
    assert set(batch_durations(other, "main", environ={}).seconds.values()) == {9.0}


def test_a_damaged_stashed_plan_is_named(project: Path) -> None:
    settings = resolve(project, environ={"E2E_BATCH_KEY": "b-3"})
    LocalTarget(settings.reports_dir / "_shards").put([Upload.from_bytes(plan_key("b-3"), b"nope")])
    with pytest.raises(MergeError, match=r"b-3/plan.json.*not JSON"):
        batch_durations(settings, "main", environ={})


def test_put_new_has_one_winner(tmp_path: Path) -> None:
    target = LocalTarget(tmp_path)
    wins: list[bool] = []
    threads = [
        threading.Thread(target=lambda n=n: wins.append(target.put_new("k/plan.json", b"%d" % n)))
        for n in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == [False] * 7 + [True]
    assert sorted(p.name for p in (tmp_path / "k").iterdir()) == ["plan.json"]
    assert Durations() == Durations({}, None)
