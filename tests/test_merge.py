"""`e2e merge` and `e2e shard-stash` on synthetic shard run folders (no browser, no Docker)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from runner.shards.merge import MergeError, fetch, merge_runs, shards_url, stash
from runner.run import new_run_id


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
    counts = {"total": len(scenarios), "passed": 0, "failed": 0, "broken": 0, "skipped": 0, "flaky": 0}
    for _, status in scenarios:
        counts[status] += 1
    (run_dir / "run.json").write_text(
        json.dumps(
            {
                "run_id": run_id,
                "started_at": started,
                "finished_at": started.replace(":00+", ":30+"),
                "status": "failed" if counts["failed"] else "passed",
                "counts": counts,
                "metadata": {"branch": "main", "commit": "abc", "batch_shard": name},
                "scenarios": [{"id": sid, "status": status} for sid, status in scenarios],
            }
        )
    )
    suite = ET.Element(
        "testsuite", {"name": "pytest", "tests": str(len(scenarios)), "failures": str(counts["failed"])}
    )
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


def test_merge_two_shards(tmp_path: Path) -> None:
    a = make_shard(
        tmp_path / "in",
        "shard1",
        [("f1::a", "passed"), ("f1::b", "passed")],
        started="2026-01-01T10:00:00+00:00",
    )
    b = make_shard(tmp_path / "in", "shard2", [("f2::c", "failed")], started="2026-01-01T09:59:00+00:00")
    run_dir, merged = merge_runs([a, b], tmp_path / "reports", report=False)
    assert merged["status"] == "failed" and merged["exit_code"] == 1
    assert merged["counts"]["total"] == 3 and merged["counts"]["failed"] == 1
    assert [s["id"] for s in merged["scenarios"]] == ["f1::a", "f1::b", "f2::c"]
    assert merged["started_at"] == "2026-01-01T09:59:00+00:00"
    assert [s["identifier"] for s in merged["metadata"]["shards"]] == ["shard1", "shard2"]
    junit = ET.parse(run_dir / "junit.xml").getroot()
    assert junit.get("tests") == "3" and junit.get("failures") == "1"
    assert len(junit.findall("testsuite")) == 2
    cucumber = json.loads((run_dir / "cucumber.json").read_text())
    assert [f["uri"] for f in cucumber] == ["features/shard1.feature", "features/shard2.feature"]
    results = sorted(p.name for p in (run_dir / "allure-results").glob("*-result.json"))
    assert len(results) == 3
    assert (run_dir / "allure-results" / "environment.properties").is_file()
    assert (run_dir / "evidence" / "shard1" / "final.png").is_file()
    assert json.loads((run_dir / "run.json").read_text())["merged_from"] == [
        json.loads((a / "run.json").read_text())["run_id"],
        json.loads((b / "run.json").read_text())["run_id"],
    ]


def test_a_scenario_in_two_shards_is_an_error(tmp_path: Path) -> None:
    a = make_shard(tmp_path / "in", "shard1", [("f1::a", "passed")], started="2026-01-01T10:00:00+00:00")
    b = make_shard(tmp_path / "in2", "shard1b", [("f1::a", "passed")], started="2026-01-01T10:00:00+00:00")
    with pytest.raises(MergeError, match="more than one shard"):
        merge_runs([a, b], tmp_path / "reports", report=False)
    assert not any((tmp_path / "reports").glob("2*")), "a failed merge leaves no half-made run folder"


def test_stash_and_fetch_through_a_folder(tmp_path: Path) -> None:
    a = make_shard(tmp_path / "in", "shard1", [("f1::a", "passed")], started="2026-01-01T10:00:00+00:00")
    (a / "report").mkdir()
    (a / "report" / "index.html").write_text("<html>")
    where = str(tmp_path / "stash")
    stash(a, where, "shard1")
    stash(a, where, "shard1")  # a retried shard replaces its stash
    got = fetch(where, "shard1", tmp_path / "tmp")
    assert (got / "run.json").is_file() and not (got / "report").exists()
    assert json.loads((got / "shard.json").read_text())["identifier"] == "shard1"
    with pytest.raises(MergeError, match="shard 'shard9'"):
        fetch(where, "shard9", tmp_path / "tmp")


def test_stash_and_fetch_through_s3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from s3_server import aws_env, make_bucket, start_server

    server = start_server()
    try:
        with aws_env(monkeypatch, server.endpoint):
            bucket = make_bucket(server.endpoint, public=False)
            a = make_shard(
                tmp_path / "in", "shard1", [("f1::a", "passed")], started="2026-01-01T10:00:00+00:00"
            )
            location = shards_url(
                {"E2E_REPORT_BUCKET": bucket, "CODEBUILD_RESOLVED_SOURCE_VERSION": "abc123"}
            )
            assert location == f"s3://{bucket}/e2e/_shards/abc123"
            stash(a, location, "shard1")
            got = fetch(location, "shard1", tmp_path / "fetched")
            assert (
                json.loads((got / "run.json").read_text())["run_id"]
                == json.loads((a / "run.json").read_text())["run_id"]
            )
            assert (got / "evidence" / "shard1" / "final.png").read_bytes() == b"\x89PNG"
    finally:
        server.stop()


def test_default_location_without_a_bucket() -> None:
    assert shards_url({"E2E_SHARDS_URL": "/x/y/"}) == "/x/y"
    assert shards_url({"CODEBUILD_RESOLVED_SOURCE_VERSION": "c0ffee"}) == "reports/_shards/c0ffee"
