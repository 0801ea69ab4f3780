"""runner.publish.s3_target: keys, links and the settings named in messages, and the
conditional write against the loopback S3 server."""

from __future__ import annotations

import pytest

from runner.publish.s3_target import S3Target, _endpoint_source
from runner.publish.target import PublishError
from tests.support.s3 import S3Server, make_bucket
from tests.support.s3 import s3 as s3  # noqa: F401 - fixture
from tests.support.s3 import s3_server as s3_server  # noqa: F401 - fixture


def test_keys_and_links_under_the_prefix() -> None:
    target = S3Target("bucket", "/team/e2e/", environ={})
    assert target.description == "s3://bucket/team/e2e/"
    assert target.url("index.html") == "s3://bucket/team/e2e/index.html"
    public = S3Target("bucket", "e2e", public_url="https://reports.example/e2e/", environ={})
    assert public.url("latest/index.html") == "https://reports.example/e2e/latest/index.html"


def test_the_endpoint_is_named_by_its_setting() -> None:
    assert (
        _endpoint_source({"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9"})
        == "AWS_ENDPOINT_URL_S3=http://127.0.0.1:9"
    )
    assert "region eu-west-1 (AWS_REGION)" in _endpoint_source({"AWS_REGION": "eu-west-1"})


def test_a_bad_attempts_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "many")
    with pytest.raises(PublishError, match="AWS_MAX_ATTEMPTS .*expected a whole number"):
        S3Target("bucket", "", environ={})


def test_a_conditional_write_has_one_winner_on_the_s3_server(s3: S3Server) -> None:
    bucket = make_bucket(s3.endpoint, public=False)
    target = S3Target(bucket, "e2e")
    assert target.put_new("batch/plan.json", b'{"a": 1}') is True
    assert target.put_new("batch/plan.json", b'{"a": 2}') is False
    assert target.read("batch/plan.json") == b'{"a": 1}'
