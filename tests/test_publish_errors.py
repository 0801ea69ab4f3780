"""`e2e publish` errors: each names the setting at fault, says what to do, and leaves the
local run folder exactly as it was."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner, Result

from runner.cli import main
from tests.support.runs import synthetic_run, tree_digest
from tests.support.s3 import REGION, S3Server, aws_env, make_bucket, start_server
from tests.support.s3 import s3 as s3  # noqa: F401 - fixture
from tests.support.s3 import s3_server as s3_server  # noqa: F401 - fixture


def publish(*args: str) -> Result:
    return CliRunner().invoke(main, ["publish", *args], catch_exceptions=False)


@pytest.fixture
def run_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("E2E_REPORTS_DIR", str(tmp_path / "reports"))
    return synthetic_run(tmp_path / "reports")


def assert_clear_failure(result: Result, *needles: str) -> None:
    assert result.exit_code != 0
    for needle in needles:
        assert needle in result.output, result.output
    assert "Traceback" not in result.output
    assert "is kept as it was" in result.output


def test_not_a_run_folder(tmp_path: Path, s3: S3Server) -> None:
    folder = tmp_path / "something"
    folder.mkdir()
    (folder / "notes.txt").write_text("hello")
    result = publish(str(folder), "--bucket", make_bucket(s3.endpoint, public=False))
    assert_clear_failure(result, "not a run folder", "run.json")
    assert tree_digest(folder) == {"notes.txt": b"hello"}


def test_a_folder_with_a_forged_run_id_is_refused(tmp_path: Path, s3: S3Server) -> None:
    folder = tmp_path / "forged"
    folder.mkdir()
    (folder / "run.json").write_text(json.dumps({"run_id": "../../escape"}))
    result = publish(str(folder), "--bucket", make_bucket(s3.endpoint, public=False))
    assert_clear_failure(result, "no valid run_id")


def test_bucket_missing(run_dir: Path, s3: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    before = tree_digest(run_dir)
    monkeypatch.setenv("E2E_REPORT_BUCKET", "no-such-bucket-here")
    result = publish(str(run_dir))
    assert_clear_failure(result, "'no-such-bucket-here' does not exist", "E2E_REPORT_BUCKET (environment)")
    assert tree_digest(run_dir) == before
    flag = publish(str(run_dir), "--bucket", "another-missing-one")
    assert_clear_failure(flag, "does not exist", "--bucket (command line)")


def test_no_credentials(run_dir: Path, s3: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    bucket = make_bucket(s3.endpoint, public=False)
    before = tree_digest(run_dir)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result = publish(str(run_dir), "--bucket", bucket)
    assert_clear_failure(result, "no AWS credentials found", "AWS_ACCESS_KEY_ID", "--to DIR")
    assert tree_digest(run_dir) == before


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_endpoint_unreachable(run_dir: Path, s3: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    before = tree_digest(run_dir)
    dead = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", dead)
    result = publish(str(run_dir), "--bucket", "some-bucket")
    assert_clear_failure(result, "unreachable", f"AWS_ENDPOINT_URL_S3={dead}")
    assert tree_digest(run_dir) == before


@pytest.fixture(scope="module")
def iam_server() -> Iterator[S3Server]:
    """A server that enforces IAM after its first setup actions, like real S3 does."""
    server = start_server({"INITIAL_NO_AUTH_ACTION_COUNT": "6"})
    try:
        kwargs = {
            "endpoint_url": server.endpoint,
            "region_name": REGION,
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
        boto3.client("s3", **kwargs).create_bucket(Bucket="locked-bucket")
        iam = boto3.client("iam", **kwargs)
        iam.create_user(UserName="nobody")
        iam.create_user(UserName="reader")
        # May list and read the bucket, but not write to it.
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"},
            ],
        }
        iam.put_user_policy(UserName="reader", PolicyName="read-only", PolicyDocument=json.dumps(policy))
        server.keys = {  # type: ignore[attr-defined]
            user: iam.create_access_key(UserName=user)["AccessKey"] for user in ("nobody", "reader")
        }
        yield server
    finally:
        server.stop()


def _as(monkeypatch: pytest.MonkeyPatch, server: S3Server, user: str) -> None:
    key = server.keys[user]  # type: ignore[attr-defined]
    with aws_env(
        monkeypatch, server.endpoint, access_key=key["AccessKeyId"], secret_key=key["SecretAccessKey"]
    ):
        pass


def test_access_denied(run_dir: Path, iam_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    before = tree_digest(run_dir)
    _as(monkeypatch, iam_server, "nobody")
    result = publish(str(run_dir), "--bucket", "locked-bucket")
    assert_clear_failure(result, "access denied to bucket 'locked-bucket'", "--bucket", "s3:PutObject")
    assert tree_digest(run_dir) == before


def test_write_denied_mid_publish(
    run_dir: Path, iam_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    _as(monkeypatch, iam_server, "reader")
    originals = tree_digest(run_dir)
    result = publish(str(run_dir), "--bucket", "locked-bucket")
    assert_clear_failure(result, "access denied", "publish again to resume")
    after = tree_digest(run_dir)
    # Nothing of the run was lost or changed; the report regenerated for publishing is added.
    assert {k: v for k, v in after.items() if k in originals and k != "run.json"} == {
        k: v for k, v in originals.items() if k != "run.json"
    }
    assert json.loads(after["run.json"])["scenarios"] == json.loads(originals["run.json"])["scenarios"]


def test_rejected_key(run_dir: Path, iam_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    with aws_env(monkeypatch, iam_server.endpoint, access_key="AKIANOTAREALKEY0000", secret_key="x"):
        result = publish(str(run_dir), "--bucket", "locked-bucket")
    assert_clear_failure(result, "credentials were rejected", "AWS_ACCESS_KEY_ID")


def test_presign_out_of_range(run_dir: Path, s3: S3Server) -> None:
    result = publish(str(run_dir), "--bucket", "any-bucket", "--presign", "999999999")
    assert result.exit_code != 0
    assert "--presign" in result.output
