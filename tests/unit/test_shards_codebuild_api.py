"""runner.shards.codebuild_api (CodeBuild's real API, as a batch's merge asks it) and the
stage's error, runner.shards.errors."""

from __future__ import annotations

from runner.shards.codebuild_api import BatchBuild, safe_key, this_build
from runner.shards.errors import MergeError


def test_outside_a_batch_there_is_no_batch_build() -> None:
    assert this_build({}) is None
    assert this_build({"CODEBUILD_BUILD_ID": "p:1"}) is None  # a plain build, not in a batch


def test_batch_keys_are_key_segments() -> None:
    build = BatchBuild("arn:aws:codebuild:eu-west-1:1:build-batch/proj:uuid-1", "proj:build-2", "shard1")
    assert build.batch_key == "proj-uuid-1" and build.attempt == "proj-build-2"
    assert safe_key("../..") == "unnamed"


def test_merge_error_is_an_exception_with_its_message() -> None:
    assert str(MergeError("shard 'x': nothing there")) == "shard 'x': nothing there"
