"""infra/template.yaml: valid CloudFormation (cfn-lint), and the properties the docs promise.

The report site's viewer-request function is also run: its code is taken from the template as
CloudFormation would deploy it (Fn::Sub filled in) and called in Node (tests/infra/run_function.js)
on sample viewer-request events.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import require

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "infra" / "template.yaml"
FUNCTION_SOURCE = REPO / "infra" / "viewer-request.js"
INLINE_SCRIPT = REPO / "infra" / "inline_function.py"
INLINE_COMMAND = "python infra/inline_function.py"
HARNESS = Path(__file__).resolve().parent / "infra" / "run_function.js"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # AWS managed cache policy
SAMPLE_CIDRS = "203.0.113.0/24,2001:db8::/32"


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


_NO_VALUE = {"Ref": "AWS::NoValue"}


def _resolve(node: Any, conditions: dict[str, bool]) -> Any:
    """``node`` with every ``!If`` decided and every ``!Ref AWS::NoValue`` dropped."""
    if isinstance(node, dict):
        if set(node) == {"If"}:
            name, when_true, when_false = node["If"]
            return _resolve(when_true if conditions[name] else when_false, conditions)
        pairs = ((k, _resolve(v, conditions)) for k, v in node.items())
        return {k: v for k, v in pairs if v != _NO_VALUE}
    if isinstance(node, list):
        return [v for v in (_resolve(v, conditions) for v in node) if v != _NO_VALUE]
    return node


def _deployed(template: dict, *, site: bool) -> dict:
    """The template as a stack with ReportSite=enabled|disabled would see it."""
    conditions = {"SiteEnabled": site, "SiteIpv6": True}
    assert set(template["Conditions"]) == set(conditions), "a new condition needs a value here"
    resolved = _resolve(template, conditions)
    for section in ("Resources", "Outputs"):
        resolved[section] = {
            name: body
            for name, body in resolved[section].items()
            if conditions.get(body.get("Condition", ""), True)
        }
    return resolved


@pytest.fixture(scope="module")
def site(template: dict) -> dict:
    return _deployed(template, site=True)


@pytest.fixture(scope="module")
def no_site(template: dict) -> dict:
    return _deployed(template, site=False)


def _resources(template: dict, kind: str) -> list[dict]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]


def _statements(template: dict) -> list[dict]:
    (policy,) = _resources(template, "AWS::S3::BucketPolicy")
    return policy["Properties"]["PolicyDocument"]["Statement"]


def _distribution(template: dict) -> dict:
    (distribution,) = _resources(template, "AWS::CloudFront::Distribution")
    return distribution["Properties"]["DistributionConfig"]


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


def test_project_uses_the_image_and_runs_on_push(site: dict) -> None:
    (project,) = _resources(site, "AWS::CodeBuild::Project")
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


# --------------------------------------------------------------------------- report site


def test_site_parameters(template: dict) -> None:
    params = template["Parameters"]
    assert params["ReportSite"]["Default"] == "enabled"
    assert set(params["ReportSite"]["AllowedValues"]) == {"enabled", "disabled"}
    assert template["Conditions"]["SiteEnabled"] == {"Equals": [{"Ref": "ReportSite"}, "enabled"]}
    cidrs = params["ViewerCidrs"]
    assert cidrs["Type"] == "CommaDelimitedList"
    assert "Default" not in cidrs, "who may read the reports must be written by whoever deploys"
    pattern = re.compile(cidrs["AllowedPattern"])
    for entry in ("203.0.113.0/24", "2001:db8::/32", "0.0.0.0/0", "::/0"):
        assert pattern.match(entry), entry
    for entry in ("", "203.0.113.0", "'); evil('", "10.0.0.0/8 "):
        assert not pattern.match(entry), entry


def test_site_resources_only_when_enabled(template: dict, site: dict, no_site: dict) -> None:
    cloudfront = {n: r for n, r in template["Resources"].items() if r["Type"].startswith("AWS::CloudFront::")}
    assert {r["Type"] for r in cloudfront.values()} == {
        "AWS::CloudFront::OriginAccessControl",
        "AWS::CloudFront::ResponseHeadersPolicy",
        "AWS::CloudFront::Function",
        "AWS::CloudFront::Distribution",
    }
    assert all(r.get("Condition") == "SiteEnabled" for r in cloudfront.values())
    assert not any(r["Type"].startswith("AWS::CloudFront::") for r in no_site["Resources"].values())
    assert [s["Sid"] for s in _statements(no_site)] == ["DenyInsecureTransport"]
    assert [s["Sid"] for s in _statements(site)] == ["DenyInsecureTransport", "AllowReportSiteRead"]
    (project,) = _resources(no_site, "AWS::CodeBuild::Project")
    names = {v["Name"] for v in project["Properties"]["Environment"]["EnvironmentVariables"]}
    assert "E2E_REPORT_URL" not in names
    assert "ReportSiteUrl" not in no_site["Outputs"]
    assert "ReportSiteUrl" in site["Outputs"]
    # Nothing in the disabled stack may point at a resource that is left out.
    assert "ReportDistribution" not in json.dumps(no_site["Resources"])


def test_origin_is_the_private_bucket_through_oac(site: dict) -> None:
    config = _distribution(site)
    (origin,) = config["Origins"]
    assert origin["DomainName"] == {"GetAtt": "ReportBucket.RegionalDomainName"}
    assert "CustomOriginConfig" not in origin, "a website endpoint would need the bucket public"
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}, "OAC, not a legacy OAI"
    assert origin["OriginPath"] == {"Sub": "/${ReportPrefix}"}
    assert origin["OriginAccessControlId"] == {"GetAtt": "ReportOriginAccessControl.Id"}
    oac = site["Resources"]["ReportOriginAccessControl"]
    assert oac["Type"] == "AWS::CloudFront::OriginAccessControl"
    oac_config = oac["Properties"]["OriginAccessControlConfig"]
    assert oac_config["OriginAccessControlOriginType"] == "s3"
    assert oac_config["SigningBehavior"] == "always"
    assert oac_config["SigningProtocol"] == "sigv4"
    assert config["DefaultRootObject"] == "index.html"
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == origin["Id"]


def test_distribution_enforces_https_and_caches_by_origin_headers(site: dict) -> None:
    config = _distribution(site)
    behaviors = [config["DefaultCacheBehavior"], *config.get("CacheBehaviors", [])]
    for behavior in behaviors:
        assert behavior["ViewerProtocolPolicy"] in {"redirect-to-https", "https-only"}
        assert set(behavior["AllowedMethods"]) == {"GET", "HEAD"}
        # CachingOptimized keeps the publisher's Cache-Control (no-cache pages, immutable assets).
        assert behavior["CachePolicyId"] == CACHING_OPTIMIZED
        assert behavior["ResponseHeadersPolicyId"]["Ref"] in {
            "ReportHeadersPolicy",
            "ReportFilesHeadersPolicy",
        }
    assert config["HttpVersion"] == "http2and3"
    assert config["IPV6Enabled"] is True  # ViewerIpv6=enabled (the default)
    assert config["Enabled"] is True


def test_security_headers(site: dict) -> None:
    """The same headers e2e serve sends (runner/publish/security.py): the pages' CSP by
    default, the sandboxed one on every path a run recorded, no framing, nosniff."""
    from runner.publish.security import FILE_POLICY, PAGE_POLICY, security_headers

    resources = site["Resources"]
    pages = resources["ReportHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"][
        "SecurityHeadersConfig"
    ]
    files = resources["ReportFilesHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"][
        "SecurityHeadersConfig"
    ]
    for headers, policy in ((pages, PAGE_POLICY), (files, FILE_POLICY)):
        assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
        assert headers["ContentTypeOptions"]["Override"] is True
        assert headers["FrameOptions"]["FrameOption"] == "DENY"
        assert headers["ContentSecurityPolicy"] == {"ContentSecurityPolicy": policy, "Override": True}
        assert len(policy) <= 1783  # CloudFront's limit on a policy's CSP
    distribution = _distribution(site)
    default = distribution["DefaultCacheBehavior"]
    assert default["ResponseHeadersPolicyId"] == {"Ref": "ReportHeadersPolicy"}
    behaviors = distribution["CacheBehaviors"]
    for behavior in behaviors:
        assert behavior["ResponseHeadersPolicyId"] == {"Ref": "ReportFilesHeadersPolicy"}
        assert behavior["FunctionAssociations"] == default["FunctionAssociations"], behavior["PathPattern"]
        assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    patterns = [b["PathPattern"] for b in behaviors]
    for key in ("runs/r1/report/data/attachments/a.svg", "runs/r1/evidence/x/page.html", "runs/r1/junit.xml"):
        assert security_headers(key)["Content-Security-Policy"] == FILE_POLICY
        assert any(fnmatch.fnmatch("/" + key, p) for p in patterns), key
    assert security_headers("runs/r1/report/index.html")["Content-Security-Policy"] == PAGE_POLICY


def test_no_public_access(template: dict, site: dict, no_site: dict) -> None:
    (bucket,) = _resources(template, "AWS::S3::Bucket")
    block = bucket["Properties"]["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert "WebsiteConfiguration" not in bucket["Properties"]
    for deployed in (site, no_site):
        for statement in _statements(deployed):
            if statement["Effect"] == "Allow":
                assert statement["Principal"] not in ("*", {"AWS": "*"}), statement
        deny = next(s for s in _statements(deployed) if s["Sid"] == "DenyInsecureTransport")
        assert deny["Effect"] == "Deny"
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_cloudfront_reads_only_the_prefix_and_only_for_this_distribution(site: dict) -> None:
    (statement,) = [s for s in _statements(site) if s["Effect"] == "Allow"]
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert statement["Action"] == "s3:GetObject"
    assert statement["Resource"] == {"Sub": "${ReportBucket.Arn}/${ReportPrefix}/*"}
    (source_arn,) = statement["Condition"]["StringEquals"].values()
    assert list(statement["Condition"]["StringEquals"]) == ["AWS:SourceArn"]
    assert source_arn == {
        "Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${ReportDistribution}"
    }


def test_project_gets_the_site_url(site: dict) -> None:
    (project,) = _resources(site, "AWS::CodeBuild::Project")
    variables = {v["Name"]: v for v in project["Properties"]["Environment"]["EnvironmentVariables"]}
    url = {"Sub": "https://${ReportDistribution.DomainName}"}
    assert variables["E2E_REPORT_URL"] == {"Name": "E2E_REPORT_URL", "Type": "PLAINTEXT", "Value": url}
    assert site["Outputs"]["ReportSiteUrl"]["Value"] == url


def test_function_is_the_viewer_request_handler(site: dict) -> None:
    (association,) = _distribution(site)["DefaultCacheBehavior"]["FunctionAssociations"]
    assert association == {
        "EventType": "viewer-request",
        "FunctionARN": {"GetAtt": "ViewerRequestFunction.FunctionMetadata.FunctionARN"},
    }
    function = site["Resources"]["ViewerRequestFunction"]["Properties"]
    assert function["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert function["AutoPublish"] is True  # else the distribution runs the unpublished stage


def test_inlined_code_is_viewer_request_js(template: dict) -> None:
    code, variables = template["Resources"]["ViewerRequestFunction"]["Properties"]["FunctionCode"]["Sub"]
    assert code == FUNCTION_SOURCE.read_text(encoding="utf-8"), (
        f"infra/template.yaml's FunctionCode differs from infra/viewer-request.js: run `{INLINE_COMMAND}`"
    )
    assert variables == {"AllowedCidrs": {"Join": [",", {"Ref": "ViewerCidrs"}]}}


def test_inline_script_rewrites_only_the_code_block(tmp_path: Path) -> None:
    template, source = tmp_path / "template.yaml", tmp_path / "viewer-request.js"
    original = TEMPLATE.read_text(encoding="utf-8")
    template.write_text(original, encoding="utf-8")
    edited = FUNCTION_SOURCE.read_text(encoding="utf-8").replace(
        "function handler(event) {", "// an edit\n\nfunction handler(event) {"
    )
    source.write_text(edited, encoding="utf-8")
    args = [sys.executable, str(INLINE_SCRIPT), "--template", str(template), "--source", str(source)]

    stale = subprocess.run([*args, "--check"], capture_output=True, text=True, timeout=60)
    assert stale.returncode == 1 and INLINE_COMMAND in stale.stderr, stale.stdout + stale.stderr
    assert template.read_text(encoding="utf-8") == original

    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    rewritten = template.read_text(encoding="utf-8")
    loaded = yaml.load(rewritten, Loader=_CfnLoader)  # noqa: S506 - safe loader subclass
    assert loaded["Resources"]["ViewerRequestFunction"]["Properties"]["FunctionCode"]["Sub"][0] == edited
    added = [line for line in rewritten.splitlines() if line not in original.splitlines()]
    assert [line.strip() for line in added] == ["// an edit"]
    assert subprocess.run([*args, "--check"], capture_output=True, timeout=60).returncode == 0

    source.write_text(edited.replace("function handler", "var x = '${Other}';\nfunction handler"))
    refused = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "${Other}" in refused.stderr, refused.stderr


# --------------------------------------------------------------------------- the function, run


def _cfn_sub(text: str, variables: dict[str, str]) -> str:
    """Fn::Sub as CloudFormation applies it to the function code: ``${!X}`` is a literal
    ``${X}``; any other ``${X}`` must be one of ``variables`` (the code uses no parameters)."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        assert name in variables, f"Fn::Sub would replace ${{{name}}} in the function code"
        return variables[name]

    return re.sub(r"\$\{([^}]*)\}", substitute, text)


def _deployed_code(template: dict, cidrs: str) -> str:
    """The function code CloudFront would receive with ViewerCidrs=``cidrs``."""
    code, variables = template["Resources"]["ViewerRequestFunction"]["Properties"]["FunctionCode"]["Sub"]
    assert variables["AllowedCidrs"] == {"Join": [",", {"Ref": "ViewerCidrs"}]}
    # CloudFormation splits a CommaDelimitedList at commas and trims each value; Join rejoins.
    return _cfn_sub(code, {"AllowedCidrs": ",".join(c.strip() for c in cidrs.split(","))})


def _run(code: str, events: list[dict]) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    require(node is not None, "node is not on PATH (needed to run the CloudFront Function)")
    payload = json.dumps({"code": code, "events": events})
    return subprocess.run(
        [str(node), str(HARNESS)], input=payload, capture_output=True, text=True, timeout=60
    )


def _handle(code: str, events: list[dict]) -> list[dict]:
    proc = _run(code, events)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)["results"]
    errors = [r["error"] for r in results if isinstance(r, dict) and "error" in r]
    assert not errors, errors
    return results


def _event(uri: str = "/", ip: str | None = "203.0.113.7", querystring: dict | None = None) -> dict:
    return {
        "version": "1.0",
        "context": {"eventType": "viewer-request", "distributionId": "EDFDVBD6EXAMPLE"},
        "viewer": {"ip": ip} if ip is not None else {},
        "request": {
            "method": "GET",
            "uri": uri,
            "querystring": querystring or {},
            "headers": {"host": {"value": "d111111abcdef8.cloudfront.net"}},
            "cookies": {},
        },
    }


@pytest.fixture(scope="module")
def function_code(template: dict) -> str:
    return _deployed_code(template, SAMPLE_CIDRS)


QUERY = {
    "tab": {"value": "graphs"},
    "tag": {"value": "a", "multiValue": [{"value": "a"}, {"value": "b%20c"}]},
    "debug": {"value": ""},
}


def test_function_serves_folders_from_index_html(function_code: str) -> None:
    cases = {
        "/": "/index.html",
        "/latest/main/": "/latest/main/index.html",
        "/runs/r1/report/": "/runs/r1/report/index.html",
    }
    events = [_event(uri, querystring=QUERY) for uri in cases]
    for event, result, expected in zip(events, _handle(function_code, events), cases.values(), strict=True):
        assert result == {**event["request"], "uri": expected}, result  # query string untouched


def test_function_redirects_a_folder_without_its_slash(function_code: str) -> None:
    cases = {
        "/latest/main": "/latest/main/",
        "/latest/feature/login-0a1b2c3d": "/latest/feature/login-0a1b2c3d/",
        "/runs/2024-05-01T10-00-00Z-abc/report": "/runs/2024-05-01T10-00-00Z-abc/report/",
        "//evil": "/evil/",  # never a protocol-relative Location: the redirect stays on the site
        "/\\evil": "/evil/",
        # Browsers drop tab, CR and LF from a URL: "/\t/evil.example/x" would be off-site.
        "/\t/evil.example/x": "/evil.example/x/",
        "/\n/\r/evil.example/x": "/evil.example/x/",
        "/\x00\x0b\x1f\x7f/evil": "/evil/",
        "/a\tb": "/ab/",
    }
    results = _handle(function_code, [_event(uri) for uri in cases])
    for result, location in zip(results, cases.values(), strict=True):
        assert result["statusCode"] == 302, result
        assert result["headers"]["location"] == {"value": location}
    (with_query,) = _handle(function_code, [_event("/latest/main", querystring=QUERY)])
    assert with_query["headers"]["location"]["value"] == "/latest/main/?tab=graphs&tag=a&tag=b%20c&debug"


def test_function_leaves_files_alone(function_code: str) -> None:
    uris = [
        "/runs/r1/report/app-0123456789abcdef.js",
        "/runs/r1/report-single-file/index.html",
        "/runs/index.json",
        "/index.html",
        "/latest/release-1.2",  # a dot in the last segment reads as a file: link with the slash
    ]
    events = [_event(uri, querystring=QUERY) for uri in uris]
    assert _handle(function_code, events) == [e["request"] for e in events]


ALLOWLIST_CASES = [
    ("203.0.113.7", True),
    ("203.0.113.0", True),
    ("203.0.113.255", True),
    ("203.0.114.1", False),
    ("198.51.100.1", False),
    ("2001:db8::1", True),
    ("2001:DB8:0:0:0:0:0:1", True),
    ("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", True),
    ("2001:db9::1", False),
    ("2001:db7:ffff::1", False),
    ("::ffff:203.0.113.7", False),  # IPv4-mapped: not how CloudFront reports an IPv4 viewer
    ("::ffff:cb00:7107", False),
    ("203.0.113", False),
    ("203.0.113.7.1", False),
    ("203.0.113.07", False),
    ("256.0.113.7", False),
    ("2001:db8::1::2", False),
    ("2001:db8:0:0:0:0:0:0:1", False),
    ("2001:db8:1", False),  # fewer than 8 groups and no "::"
    ("2001:db8::1:2:3:4:5:6", False),  # "::" standing for no group at all
    (":2001:db8::1", False),
    ("2001:db8::1%eth0", False),
    ("2001:db8::12345", False),
    ("not-an-ip", False),
    ("", False),
    (None, False),
]


def test_function_allowlist(function_code: str) -> None:
    ips = [ip for ip, _ in ALLOWLIST_CASES]
    results = _handle(function_code, [_event("/index.html", ip) for ip in ips])
    for (ip, allowed), result in zip(ALLOWLIST_CASES, results, strict=True):
        if allowed:
            assert result.get("uri") == "/index.html", (ip, result)
        else:
            assert result.get("statusCode") == 403, (ip, result)
            assert "uri" not in result, (ip, result)


@pytest.mark.parametrize(
    ("cidrs", "allowed", "refused"),
    [
        ("0.0.0.0/0", ["1.2.3.4", "0.0.0.0", "255.255.255.255", "203.0.113.7"], ["2001:db8::1", "::1"]),
        ("::/0", ["2001:db8::1", "::1", "fe80::1"], ["1.2.3.4"]),
        ("0.0.0.0/0, ::/0", ["1.2.3.4", "2001:db9::1"], ["bogus"]),
        ("203.0.113.128/25", ["203.0.113.128", "203.0.113.200"], ["203.0.113.127", "203.0.113.0"]),
        ("203.0.113.7/32", ["203.0.113.7"], ["203.0.113.6", "203.0.113.8"]),
        ("2001:db8:abcd:12::/63", ["2001:db8:abcd:13::1", "2001:db8:abcd:12::"], ["2001:db8:abcd:14::1"]),
        ("2001:db8::1/128", ["2001:db8::1", "2001:0db8:0000::0001"], ["2001:db8::2"]),
        ("10.1.2.3/8", ["10.200.0.1"], ["11.0.0.1"]),  # host bits in the range are ignored
        # entries that do not parse match nobody; the good one still works
        ("203.0.113.0/33,nonsense,,2001:db8::/129,198.51.100.0/24", ["198.51.100.9"], ["203.0.113.7"]),
    ],
)
def test_function_cidr_ranges(template: dict, cidrs: str, allowed: list[str], refused: list[str]) -> None:
    code = _deployed_code(template, cidrs)
    results = _handle(code, [_event("/", ip) for ip in allowed + refused])
    got = [r.get("statusCode") != 403 for r in results]
    assert got == [True] * len(allowed) + [False] * len(refused), list(
        zip(allowed + refused, got, strict=True)
    )


def test_function_undeployed_placeholder_refuses_everyone() -> None:
    source = FUNCTION_SOURCE.read_text(encoding="utf-8")
    results = _handle(source, [_event("/", ip) for ip in ("203.0.113.7", "2001:db8::1", "127.0.0.1")])
    assert [r.get("statusCode") for r in results] == [403, 403, 403]


def test_function_fits_cloudfront_limits(template: dict) -> None:
    # A long allowlist (100 IPv6 ranges) still leaves the code under CloudFront's 10 KB.
    cidrs = ",".join(f"2001:db8:{i:x}::/48" for i in range(100))
    code = _deployed_code(template, cidrs)
    (result,) = _handle(code, [_event("/", "2001:db8:63::1")])
    assert result["uri"] == "/index.html"
    assert "require" not in code and "import" not in code and "fetch" not in code


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("var fs = require('fs');\nfunction handler(event) { return event.request; }", "require()"),
        ("import x from 'crypto';\nfunction handler(event) { return event.request; }", "import"),
        ("function handler(event) { fetch('https://example.com'); }", "fetch()"),
        ("function handler(event) { return process.env; }", "process"),
        ("var handler = (event) => event.request;", "function handler(event)"),
        ("// " + "x" * 10240 + "\nfunction handler(event) { return event.request; }", "10240"),
    ],
    ids=["require", "import", "fetch", "process", "no-handler-function", "over-10KB"],
)
def test_harness_refuses_what_cloudfront_refuses(code: str, reason: str) -> None:
    proc = _run(code, [_event()])
    assert proc.returncode == 3 and reason in proc.stderr, proc.stdout + proc.stderr


def test_harness_has_no_node_globals() -> None:
    # Dodging the static checks still fails: the sandbox has no require, process or console.
    code = "function handler(event) { return globalThis['pro' + 'cess'].env || console.log(1); }"
    results = json.loads(_run(code, [_event()]).stdout)["results"]
    assert "TypeError" in results[0]["error"] or "ReferenceError" in results[0]["error"], results


def test_batch_builds_may_read_their_own_batch_and_stashes_expire(template: dict) -> None:
    role = template["Resources"]["BuildRole"]
    statements = [s for p in role["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]]
    batch = next(s for s in statements if "codebuild:BatchGetBuilds" in s["Action"])
    assert set(batch["Action"]) == {"codebuild:BatchGetBuilds", "codebuild:BatchGetBuildBatches"}
    assert all("${ProjectName}" in r["Sub"] for r in batch["Resource"])
    (bucket,) = _resources(template, "AWS::S3::Bucket")
    rules = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    stash = next(r for r in rules if "_shards" in str(r.get("Prefix")))
    assert stash["Status"] == "Enabled" and stash["ExpirationInDays"] <= 7
