"""runner.publish.targets: choosing a target from a written location."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.publish.local_target import LocalTarget
from runner.publish.s3_target import S3Target
from runner.publish.target import PublishError
from runner.publish.targets import target_at


def test_a_folder_or_an_s3_url(tmp_path: Path) -> None:
    assert isinstance(target_at(str(tmp_path), source="E2E_SHARDS_URL"), LocalTarget)
    s3 = target_at("s3://bucket/some/prefix/", source="E2E_SHARDS_URL")
    assert isinstance(s3, S3Target) and s3.description == "s3://bucket/some/prefix/"


def test_an_s3_url_without_a_bucket_names_its_setting() -> None:
    with pytest.raises(PublishError, match=r"E2E_SHARDS_URL = 's3:///x': expected s3://BUCKET/PREFIX"):
        target_at("s3:///x", source="E2E_SHARDS_URL")
