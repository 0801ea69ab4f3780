"""runner/cli/shards.py: a shard stashed in a local folder and merged from it, and what merge needs to be told."""

from __future__ import annotations

import json
from pathlib import Path

from runner.cli.shards import merge_command, shard_stash_command
from tests.support.runs import synthetic_run


def test_stash_then_merge_through_a_local_folder(e2e, project: Path) -> None:
    first = synthetic_run(project / "shard-runs", scenarios=[("A", "passed"), ("B", "failed")])
    second = synthetic_run(project / "shard-runs", scenarios=[("C", "passed")], evidence_prefix="s2-")
    shards = project / "shards"
    for name, run in (("s1", first), ("s2", second)):
        stashed = e2e.invoke(shard_stash_command, str(run), "--as", name, "--shards-url", str(shards))
        assert stashed.exit_code == 0, stashed.output
        assert f"-> {shards}" in stashed.output and "files)" in stashed.output
    merged = e2e.invoke(merge_command, "--shards", "s1,s2", "--shards-url", str(shards), "--no-report")
    assert merged.exit_code == 1, merged.output  # a merged scenario failed: the batch's status
    assert "failed (3 scenarios, 1 failed, 0 broken)" in merged.output
    latest = (project / "reports" / "latest").resolve()
    assert json.loads((latest / "run.json").read_text())["status"] == "failed"


def test_merge_outside_a_batch_asks_for_the_shards(e2e) -> None:
    result = e2e.invoke(merge_command)
    assert result.exit_code == 1 and "--shards 'ID ID...'" in result.output


def test_stash_of_a_missing_folder_is_a_usage_error(e2e) -> None:
    result = e2e.invoke(shard_stash_command, "no-such-run")
    assert result.exit_code == 2 and "no-such-run" in result.output
