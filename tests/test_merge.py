"""`e2e merge` and `e2e shard-stash` on synthetic shard run folders (no browser, no Docker).

Stashes go through a publish Target: a local folder, or the loopback S3 server.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest

from runner.a11y.scans import write_scan
from runner.publish.target import Target, Upload
from runner.run.folder import new_run_id
from runner.run.summary import RunSummary, ScenarioResult
from runner.settings import Settings, resolve
from runner.shards.errors import MergeError
from runner.shards.merge import merge_runs
from runner.shards.stash import MANIFEST, fetch, open_shards, shards_location, stash, stash_slot
from tests.support import E2E
from tests.support.runs import tree_digest
from tests.support.s3 import S3Server, client_env, make_bucket, read_objects
from tests.support.s3 import s3 as s3  # noqa: F401 - fixture
from tests.support.s3 import s3_server as s3_server  # noqa: F401 - fixture


def make_shard(root: Path, name: str, scenarios: list[tuple[str, str]], *, started: str) -> Path:
    run_id = new_run_id()
    run_dir = root / name
    (run_dir / "allure-results").mkdir(parents=True)
    (run_dir / "evidence" / name).mkdir(parents=True)
    (run_dir / "evidence" / name / "final.png").write_bytes(b"\x89PNG")
    for sid, status in scenarios:
        uuid = f"{name}-{sid.replace('/', '_').replace(':', '_')}"
        (run_dir / "allure-results" / f"{uuid}-result.json").write_text(
            json.dumps({"uuid": uuid, "historyId": sid, "status": status})
        )
    (run_dir / "allure-results" / "environment.properties").write_text("shard=any\n")
    failed = sum(status == "failed" for _, status in scenarios)
    RunSummary.build(
        run_id,
        [ScenarioResult(id=sid, name=sid, status=status) for sid, status in scenarios],
        started=started,
        finished=started.replace(":00+", ":30+"),
        exit_code=1 if failed else 0,
        metadata={"branch": "main", "commit": "abc", "batch_shard": name},
    ).write(run_dir)
    suite = ET.Element("testsuite", {"name": "pytest", "tests": str(len(scenarios)), "failures": str(failed)})
    for sid, status in scenarios:
        case = ET.SubElement(suite, "testcase", {"name": sid})
        if status == "failed":
            ET.SubElement(case, "failure", {"message": "boom"})
    root_el = ET.Element("testsuites")
    root_el.append(suite)
    ET.ElementTree(root_el).write(run_dir / "junit.xml")
    feature_uri = f"features/{name}.feature"
    (run_dir / "cucumber.json").write_text(
        json.dumps([{"uri": feature_uri, "name": name, "elements": [{"name": s} for s, _ in scenarios]}])
    )
    return run_dir


def project_settings(tmp_path: Path, environ: dict[str, str] | None = None) -> Settings:
    """The settings of a project of the test's own (its pyproject.toml, the given environment)."""
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    if not (project / "pyproject.toml").exists():
        (project / "pyproject.toml").write_text('[project]\nname = "sample"\nversion = "0"\n')
    return resolve(project, environ=environ or {})


def test_merge_two_shards(tmp_path: Path) -> None:
    a = make_shard(
        tmp_path / "in",
        "shard1",
        [("f1::a", "passed"), ("f1::b", "passed")],
        started="2026-01-01T10:00:00+00:00",
    )
    b = make_shard(tmp_path / "in", "shard2", [("f2::c", "failed")], started="2026-01-01T09:59:00+00:00")
    # An accessibility scan in each shard: the merged run sums them as one run's.
    for shard, target in ((a, "img"), (b, "#name")):
        element = {"target": target, "html": "<x>", "impact": "critical", "summary": ""}
        folder = shard / "evidence" / f"scanned-{target[-1]}"
        folder.mkdir(parents=True)
        write_scan(
            folder / "a11y-01.json",
            {
                "page": "/",
                "axe_core": "4.14.1",
                "violations": [{"rule": "r", "impact": "critical", "elements": [element]}],
            },
        )
    settings = project_settings(tmp_path)
    folder, merged = merge_runs([a, b], settings, report=False)
    run_dir = folder.path
    assert merged.accessibility["violations"]["critical"] == 2 and merged.metadata["axe_core"] == "4.14.1"
    assert run_dir.parent == settings.reports_dir
    assert merged.status == "failed" and merged.exit_code == 1
    assert merged.counts.total == 3 and merged.counts.failed == 1
    assert [s.id for s in merged.scenarios] == ["f1::a", "f1::b", "f2::c"]
    assert datetime.fromisoformat(merged.started_at) == datetime.fromisoformat("2026-01-01T09:59:00+00:00")
    assert [s["identifier"] for s in merged.metadata["shards"]] == ["shard1", "shard2"]
    assert RunSummary.read(run_dir) == merged
    junit = ET.parse(run_dir / "junit.xml").getroot()
    assert junit.get("tests") == "3" and junit.get("failures") == "1"
    assert len(junit.findall("testsuite")) == 2
    cucumber = json.loads((run_dir / "cucumber.json").read_text())
    assert [f["uri"] for f in cucumber] == ["features/shard1.feature", "features/shard2.feature"]
    results = sorted(p.name for p in (run_dir / "allure-results").glob("*-result.json"))
    assert len(results) == 3
    assert (run_dir / "allure-results" / "environment.properties").is_file()
    assert (run_dir / "evidence" / "shard1" / "final.png").is_file()
    assert merged.merged_from == [RunSummary.read(a).run_id, RunSummary.read(b).run_id]


@pytest.mark.skipif(os.geteuid() != 0, reason="handing files over needs root, as in a container")
def test_a_root_merge_hands_over_its_run_folder_and_nothing_that_was_there(tmp_path: Path) -> None:
    """Issue 22: the merged run folder goes to the checkout's owner (uid 12345 here), the
    root-owned reports folder that existed before keeps its owner."""
    a = make_shard(tmp_path / "in", "shard1", [("f1::a", "passed")], started="2026-01-01T10:00:00+00:00")
    b = make_shard(tmp_path / "in", "shard2", [("f2::c", "passed")], started="2026-01-01T10:00:00+00:00")
    project = project_settings(tmp_path).project_root
    (project / "reports").mkdir()
    os.chown(project, 12345, 12345)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("E2E_", "CODEBUILD_"))}
    proc = subprocess.run(
        [E2E, "merge", "--no-report", str(a), str(b)], cwd=project, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    (merged,) = [p for p in (project / "reports").iterdir() if p.is_dir() and not p.is_symlink()]
    assert {p.lstat().st_uid for p in [merged, *merged.rglob("*")]} == {12345}
    assert (project / "reports").lstat().st_uid == 0
    assert (project / "reports" / "latest").lstat().st_uid == 0
    assert os.readlink(project / "reports" / "latest") == merged.name


def test_a_scenario_in_two_shards_is_an_error(tmp_path: Path) -> None:
    a = make_shard(tmp_path / "in", "shard1", [("f1::a", "passed")], started="2026-01-01T10:00:00+00:00")
    b = make_shard(tmp_path / "in2", "shard1b", [("f1::a", "passed")], started="2026-01-01T10:00:00+00:00")
    settings = project_settings(tmp_path)
    with pytest.raises(MergeError, match="more than one shard"):
        merge_runs([a, b], settings, report=False)
    assert not any(settings.reports_dir.glob("2*")), "a failed merge leaves no half-made run folder"


# --------------------------------------------------------------------------- stash and fetch


@pytest.fixture(params=["folder", "s3"])
def shards(request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    """Where shards meet: a local folder, or a prefix in a bucket of the loopback S3 server."""
    if request.param == "folder":
        location = str(tmp_path / "stash")
    else:
        server: S3Server = request.getfixturevalue("s3")
        location = f"s3://{make_bucket(server.endpoint, public=False)}/batches/abc123"
    return open_shards(location, "the test")


def test_stash_and_fetch_through_a_target(tmp_path: Path, shards: Target) -> None:
    target = shards
    a = make_shard(tmp_path / "in", "shard1", [("f1::a", "passed")], started="2026-01-01T10:00:00+00:00")
    (a / "report").mkdir()
    (a / "report" / "index.html").write_text("<html>")
    before = tree_digest(a)
    count = stash(a, target, "shard1")
    assert stash(a, target, "shard1") == count  # the same slot again: its stash is replaced
    assert tree_digest(a) == before, "stashing only reads the run folder"
    manifest = json.loads(target.read(f"shard1/{MANIFEST}") or b"{}")
    assert manifest["slot"] == "shard1" and manifest["run_id"] == RunSummary.read(a).run_id
    assert len(manifest["files"]) == count

    got = fetch(target, "shard1", tmp_path / "fetched")
    assert got == tmp_path / "fetched" / "shard1"
    # The run folder comes back byte for byte, without its HTML report (the merge makes its own).
    expected = {rel: data for rel, data in before.items() if not rel.startswith("report/")}
    assert tree_digest(got) == expected
    assert sorted(expected) == manifest["files"]

    where = re.escape(target.description.rstrip("/"))
    with pytest.raises(MergeError, match=rf"shard 'shard9': nothing at {where}/shard9/ "):
        fetch(target, "shard9", tmp_path / "fetched")


def test_a_stash_without_its_manifest_is_nothing(tmp_path: Path, shards: Target) -> None:
    """Files of a stash that never completed (its manifest is written last) are not a shard."""
    target = shards
    a = make_shard(tmp_path / "in", "shard1", [("f1::a", "passed")], started="2026-01-01T10:00:00+00:00")
    target.put([Upload.from_file(f"shard1/{rel}", path) for rel, path in sorted(_files(a).items())])
    assert target.list("shard1/"), "the shard's files are there"
    where = re.escape(target.description.rstrip("/"))
    with pytest.raises(MergeError, match=rf"shard 'shard1': nothing at {where}/shard1/ \(no {MANIFEST}"):
        fetch(target, "shard1", tmp_path / "fetched")
    assert not (tmp_path / "fetched" / "shard1").exists()


def test_only_the_files_of_the_manifest_are_fetched(tmp_path: Path, shards: Target) -> None:
    """A file under the shard's name that its latest stash did not list (left by an earlier,
    longer attempt) is not fetched: it would add a scenario that did not run."""
    target = shards
    a = make_shard(tmp_path / "in", "shard1", [("f1::a", "passed")], started="2026-01-01T10:00:00+00:00")
    stash(a, target, "shard1")
    stale = "allure-results/shard1-earlier-attempt-result.json"
    target.put([Upload.from_bytes(f"shard1/{stale}", b'{"uuid": "x", "status": "failed"}')])
    got = fetch(target, "shard1", tmp_path / "fetched")
    assert not (got / stale).exists()
    assert tree_digest(got) == tree_digest(a)


def _files(run_dir: Path) -> dict[str, Path]:
    return {p.relative_to(run_dir).as_posix(): p for p in run_dir.rglob("*") if p.is_file()}


# --------------------------------------------------------------------------- where shards meet


def test_shards_location_comes_from_the_settings(tmp_path: Path) -> None:
    url = project_settings(tmp_path, {"E2E_SHARDS_URL": "/x/y/"})
    assert shards_location(url) == ("/x/y", "E2E_SHARDS_URL (environment)")
    bucket = project_settings(tmp_path, {"E2E_REPORT_BUCKET": "team-reports"})
    assert shards_location(bucket) == ("s3://team-reports/e2e/_shards", "E2E_REPORT_BUCKET (environment)")
    settings = project_settings(tmp_path)
    assert shards_location(settings)[0] == str(settings.reports_dir / "_shards")


def test_outside_codebuild_a_stash_is_keyed_by_batch_key_or_commit(tmp_path: Path) -> None:
    settings = project_settings(tmp_path)
    assert stash_slot(settings, "shard1", environ={"CODEBUILD_RESOLVED_SOURCE_VERSION": "c0ffee"}) == (
        "c0ffee/shard1/local"
    )
    assert stash_slot(settings, "shard1", environ={}) == "local/shard1/local"
    keyed = project_settings(tmp_path, {"E2E_BATCH_KEY": "batch-7", "E2E_SHARD": "2/3"})
    assert stash_slot(keyed, None, environ={}) == "batch-7/shard2/local"


def test_shard_stash_uses_the_bucket_of_the_project(tmp_path: Path, s3: S3Server) -> None:
    """`e2e shard-stash` in a project whose bucket is set only in its pyproject.toml."""
    bucket = make_bucket(s3.endpoint, public=False)
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(f'[tool.e2e]\nreport_bucket = "{bucket}"\n')
    run_dir = make_shard(
        tmp_path / "in", "shard1", [("f1::a", "passed")], started="2026-01-01T10:00:00+00:00"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("E2E_", "CODEBUILD_", "AWS_"))}
    env.update(client_env(s3.endpoint))
    proc = subprocess.run(
        [E2E, "shard-stash", str(run_dir), "--as", "shard1"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    location = f"s3://{bucket}/e2e/_shards"
    assert f"-> {location}/local/shard1/local" in proc.stderr
    stashed = read_objects(s3.endpoint, bucket)
    assert f"e2e/_shards/local/shard1/local/{MANIFEST}" in stashed
    assert stashed["e2e/_shards/local/shard1/local/run.json"] == (run_dir / "run.json").read_bytes()
    assert not (project / "reports").exists(), "nothing was stashed locally"
