"""Batch builds as the service runs them: stashes keyed by batch and build, never mixed.

The builds' own questions to CodeBuild (``BatchGetBuilds``: which batch am I in;
``BatchGetBuildBatches``: which build is each shard's current one) are answered by the
local stand-in the emulator also uses (moto knows no batch builds); S3 is the loopback
server. Every stash and merge is a real ``e2e`` process with CodeBuild's variables.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from runner.codebuild.api import Batch, CodeBuildStandIn
from runner.run.summary import RunSummary
from tests.support import E2E
from tests.support.s3 import S3Server, client_env, make_bucket
from tests.support.s3 import s3 as s3  # noqa: F401 - fixture
from tests.support.s3 import s3_server as s3_server  # noqa: F401 - fixture
from tests.test_merge import make_shard

COMMIT = "0123456789abcdef0123456789abcdef01234567"
GRAPH = {"shard1": [], "shard2": [], "merge": ["shard1", "shard2"]}


@pytest.fixture
def codebuild() -> Iterator[tuple[CodeBuildStandIn, str]]:
    stand_in = CodeBuildStandIn()
    endpoint = stand_in.serve()
    yield stand_in, endpoint
    stand_in.stop()


class Project:
    def __init__(self, root: Path, s3_endpoint: str, codebuild_endpoint: str, bucket: str) -> None:
        self.root = root
        self.last_merge: Path | None = None
        root.mkdir(parents=True, exist_ok=True)
        (root / "pyproject.toml").write_text('[project]\nname = "batch"\nversion = "0"\n')
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("E2E_", "CODEBUILD_", "AWS_"))}
        self.env.update(client_env(s3_endpoint))
        self.env.update(
            AWS_ENDPOINT_URL_CODEBUILD=codebuild_endpoint,
            AWS_DEFAULT_REGION="us-east-1",
            E2E_REPORT_BUCKET=bucket,
            CODEBUILD_RESOLVED_SOURCE_VERSION=COMMIT,
        )

    def e2e(self, build_id: str, identifier: str, *args: str) -> subprocess.CompletedProcess:
        env = {**self.env, "CODEBUILD_BUILD_ID": build_id, "CODEBUILD_BATCH_BUILD_IDENTIFIER": identifier}
        return subprocess.run(
            [E2E, *args], cwd=self.root, env=env, capture_output=True, text=True, timeout=180
        )


def _shard(
    project: Project, stand_in: CodeBuildStandIn, batch: Batch, name: str, scenarios, tmp: Path
) -> str:
    build_id = stand_in.start_build(batch, name)
    run_dir = make_shard(
        tmp / build_id.replace(":", "-"), name, scenarios, started="2026-01-01T10:00:00+00:00"
    )
    proc = project.e2e(build_id, name, "shard-stash", str(run_dir))
    assert proc.returncode == 0, proc.stderr
    stand_in.finish_build(build_id, succeeded=True)
    return build_id


def _merge(project: Project, stand_in: CodeBuildStandIn, batch: Batch) -> tuple[int, dict]:
    build_id = stand_in.start_build(batch, "merge")
    proc = project.e2e(build_id, "merge", "merge", "--no-report")
    assert proc.returncode in (0, 1), proc.stderr
    # "e2e merge: reports/<run-id>: <status> (...)" names the merged run folder.
    folder = next(line for line in proc.stderr.splitlines() if line.startswith("e2e merge: reports/"))
    run_dir = project.root / folder.split(": ")[1]
    summary = json.loads((run_dir / "run.json").read_text())
    project.last_merge = run_dir
    return proc.returncode, {s["id"]: s["status"] for s in summary["scenarios"]}


@pytest.fixture
def project(tmp_path: Path, s3: S3Server, codebuild) -> Project:  # noqa: F811
    return Project(tmp_path / "project", s3.endpoint, codebuild[1], make_bucket(s3.endpoint, public=False))


def test_two_batches_of_one_commit_each_merge_only_their_own_shards(
    project: Project, codebuild, tmp_path: Path
) -> None:
    stand_in, _ = codebuild
    first, second = stand_in.new_batch("proj", GRAPH), stand_in.new_batch("proj", GRAPH)
    _shard(project, stand_in, first, "shard1", [("a", "passed")], tmp_path)
    _shard(project, stand_in, first, "shard2", [("b", "failed")], tmp_path)
    _shard(project, stand_in, second, "shard1", [("c", "passed")], tmp_path)
    _shard(project, stand_in, second, "shard2", [("d", "passed")], tmp_path)
    code, scenarios = _merge(project, stand_in, first)
    assert scenarios == {"a": "passed", "b": "failed"}
    assert code == 1, "the merge build fails when a merged scenario failed"
    code, scenarios = _merge(project, stand_in, second)
    assert scenarios == {"c": "passed", "d": "passed"}
    assert code == 0


def test_a_retried_batch_merges_the_current_attempt_of_each_shard(
    project: Project, codebuild, tmp_path: Path
) -> None:
    stand_in, _ = codebuild
    batch = stand_in.new_batch("proj", GRAPH)
    _shard(project, stand_in, batch, "shard1", [("a", "passed")], tmp_path)
    _shard(project, stand_in, batch, "shard2", [("b", "failed"), ("b2", "failed")], tmp_path)
    assert _merge(project, stand_in, batch)[1] == {"a": "passed", "b": "failed", "b2": "failed"}
    # Retry: shard2 runs again (a new build of the same group), now with fewer scenarios.
    _shard(project, stand_in, batch, "shard2", [("b", "passed")], tmp_path)
    code, scenarios = _merge(project, stand_in, batch)
    assert scenarios == {"a": "passed", "b": "passed"}, "nothing of the earlier attempt is read"
    assert code == 0
    merged = RunSummary.read(project.last_merge)
    assert [s["identifier"] for s in merged.metadata["shards"]] == ["shard1", "shard2"]


def test_a_shard_that_never_stashed_fails_the_merge_clearly(
    project: Project, codebuild, tmp_path: Path
) -> None:
    stand_in, _ = codebuild
    batch = stand_in.new_batch("proj", GRAPH)
    _shard(project, stand_in, batch, "shard1", [("a", "passed")], tmp_path)
    stand_in.start_build(batch, "shard2")  # started, never reached post_build
    merge_id = stand_in.start_build(batch, "merge")
    proc = project.e2e(merge_id, "merge", "merge", "--no-report")
    assert proc.returncode == 1
    assert "shard 'shard2': nothing at" in proc.stderr and "post_build" in proc.stderr


def test_without_the_api_permissions_the_message_says_which(project: Project, tmp_path: Path) -> None:
    run_dir = make_shard(tmp_path / "in", "shard1", [("a", "passed")], started="2026-01-01T10:00:00+00:00")
    project.env["AWS_ENDPOINT_URL_CODEBUILD"] = "http://127.0.0.1:9"  # nothing answers there
    proc = project.e2e("proj:unknown", "shard1", "shard-stash", str(run_dir))
    assert proc.returncode == 1
    assert "codebuild:BatchGetBuilds" in proc.stderr
