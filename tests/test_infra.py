"""infra/template.yaml: valid CloudFormation (cfn-lint), and the properties the docs promise."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

TEMPLATE = Path(__file__).resolve().parents[1] / "infra" / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation's short-form tags (!Ref, !Sub, !GetAtt...) as plain values."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {suffix: value}


_CfnLoader.add_multi_constructor("!", _tag)


@pytest.fixture(scope="module")
def template() -> dict:
    return yaml.load(TEMPLATE.read_text(), Loader=_CfnLoader)  # noqa: S506 - safe loader subclass


def _resources(template: dict, kind: str) -> list[dict]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]


def test_cfn_lint_passes() -> None:
    exe = shutil.which("cfn-lint") or str(Path(sys.executable).with_name("cfn-lint"))
    proc = subprocess.run([exe, str(TEMPLATE)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_bucket_is_private_encrypted_and_expires_reports(template: dict) -> None:
    (bucket,) = _resources(template, "AWS::S3::Bucket")
    props = bucket["Properties"]
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    rules = props["LifecycleConfiguration"]["Rules"]
    assert any(r["Status"] == "Enabled" and "ExpirationInDays" in r for r in rules)


def test_role_is_least_privilege(template: dict) -> None:
    role = template["Resources"]["BuildRole"]
    statements = [s for p in role["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]]
    actions = [
        a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    ]
    assert not any(a.endswith("*") for a in actions), actions
    assert not any("Delete" in a for a in actions), "the build must never delete reports"
    wildcard = [s for s in statements if s["Resource"] == "*"]
    assert [s["Action"] for s in wildcard] == ["ecr:GetAuthorizationToken"]  # AWS offers no narrower resource
    s3 = {a for a in actions if a.startswith("s3:")}
    assert s3 == {"s3:ListBucket", "s3:GetObject", "s3:PutObject"}
    objects = next(s for s in statements if "s3:PutObject" in s["Action"])
    assert "${ReportPrefix}/*" in objects["Resource"]["Sub"]


def test_project_uses_the_image_and_runs_on_push(template: dict) -> None:
    (project,) = _resources(template, "AWS::CodeBuild::Project")
    props = project["Properties"]
    assert props["Environment"]["ImagePullCredentialsType"] == "SERVICE_ROLE"
    assert "ImageRepository.RepositoryUri" in props["Environment"]["Image"]["Sub"]
    assert props["Source"]["Location"] == {"Ref": "RepositoryUrl"}
    triggers = props["Triggers"]
    assert triggers["Webhook"] is True
    (group,) = triggers["FilterGroups"]
    assert {"Type": "EVENT", "Pattern": "PUSH"} in group
    assert {"Type": "HEAD_REF", "Pattern": {"Ref": "BranchFilter"}} in group
    variables = {v["Name"] for v in props["Environment"]["EnvironmentVariables"]}
    assert {"E2E_REPORT_BUCKET", "E2E_REPORT_PREFIX"} <= variables
