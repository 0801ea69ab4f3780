"""`e2e codebuild-local`: the buildspec checked, then run in containers with CodeBuild's rules.

Three layers: buildspec errors (no Docker); the phase rules on the plain Debian base image
(seconds per build), and a batch whose fast-fail stops a running build; the real
buildspec.yml in the real image, with the ENTRYPOINT overridden, compared with `docker run`
(test_image.py's fixture), plus a failing build that still publishes and a two-shard batch
merged into one report. The driver's rules one by one (on-failure, shells, what carries
over between commands) are tested without containers in test_codebuild_driver.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

from runner.codebuild.buildspec import load_buildspec, parse_buildspec
from runner.codebuild.yaml_checker import BuildspecError
from tests.support import E2E
from tests.support.containers import make_project, read_run, run_folders, scenario_names

# The shared Docker fixtures: engine, base image, the image built once per session.
pytest_plugins = ["tests.support.docker_fixtures"]


def codebuild_local(source: Path, *args: str, timeout: float = 1500) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "E2E_"))}
    return subprocess.run(
        [E2E, "codebuild-local", "--source", str(source), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


# --------------------------------------------------------------------------- buildspec errors


def parse(text: str) -> None:
    parse_buildspec(textwrap.dedent(text), Path("buildspec.yml"))


def test_yaml_error_names_file_and_line() -> None:
    with pytest.raises(BuildspecError) as info:
        parse(
            """\
            version: 0.2
            phases:
              build:
                commands:
                  - "echo unterminated
                  - echo next
            """
        )
    assert str(info.value).startswith("buildspec.yml:")
    assert info.value.line is not None and info.value.line >= 5
    assert "not valid YAML" in str(info.value)


def test_unknown_phase_is_named_with_a_suggestion() -> None:
    with pytest.raises(BuildspecError) as info:
        parse(
            """\
            version: 0.2
            phases:
              prebuild:
                commands: [echo hi]
            """
        )
    assert info.value.line == 3
    assert "unknown key 'prebuild'" in str(info.value)
    assert "did you mean 'pre_build'" in str(info.value)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        pytest.param(
            """\
            version: 0.2
            phases:
              build:
                commands: echo hi
            """,
            4,
            "must be a list",
            id="commands-not-a-list",
        ),
        pytest.param(
            """\
            version: 0.2
            phases:
              build:
                commands:
                  - echo note: this is a mapping in YAML
            """,
            5,
            "quote a command",
            id="command-parsed-as-mapping",
        ),
        pytest.param(
            "version: 0.1\nphases: {build: {commands: [x]}}\n",
            None,
            "version '0.1' is not supported",
            id="old-version",
        ),
        pytest.param(
            """\
            version: 0.2
            phases: {build: {commands: [x]}}
            batch:
              build-graph:
                - identifier: a
                  depend-on: [b]
            """,
            None,
            "depend-on names unknown task",
            id="unknown-dependency",
        ),
    ],
)
def test_wrong_types_are_reported(text: str, line: int | None, fragment: str) -> None:
    with pytest.raises(BuildspecError) as info:
        parse(text)
    assert fragment in str(info.value)
    if line is not None:
        assert info.value.line == line


def test_the_projects_buildspecs_are_valid() -> None:
    repo = Path(__file__).resolve().parents[1]
    specs = {name: load_buildspec(repo / name) for name in ("buildspec.yml", "buildspec-merge.yml")}
    for name, spec in specs.items():
        assert "install" not in spec.phases, f"{name}: the image has everything; nothing to install"
    main = specs["buildspec.yml"]
    assert {r.file_format for r in main.reports.values()} == {"JUNITXML", "CUCUMBERJSON"}
    assert main.batch is not None and main.batch.kind == "build-graph"


def test_check_option_reports_errors_without_docker(tmp_path: Path) -> None:
    (tmp_path / "buildspec.yml").write_text("version: 0.2\nphases:\n  biuld:\n    commands: [x]\n")
    proc = subprocess.run(
        [E2E, "codebuild-local", "--check", "--source", str(tmp_path)], capture_output=True, text=True
    )
    assert proc.returncode != 0
    assert "buildspec.yml:3:" in proc.stderr and "did you mean 'build'" in proc.stderr


# --------------------------------------------------------------------------- phase rules


RULES_BUILDSPEC = """\
version: 0.2
env:
  shell: bash
  variables:
    LITERAL: $PATH:/extra
    GREETING: from-buildspec
phases:
  install:
    commands:
      - echo "literal=$LITERAL greeting=$GREETING"
      - cd sub && export EXPORTED=yes && PLAIN=kept
  pre_build:
    commands:
      - echo "cwd=$(pwd) exported=$EXPORTED plain=$PLAIN"
      - helper() { echo "helper-called"; }
      - echo "entrypoint-ran=${ENTRYPOINT_RAN:-no}"
  build:
    commands:
      - helper
      - exit 3
      - echo never-printed
    finally:
      - echo "finally-ran"
  post_build:
    commands:
      - echo "post succeeding=$CODEBUILD_BUILD_SUCCEEDING id=$CODEBUILD_BUILD_ID"
      - echo "src=$CODEBUILD_SRC_DIR ref=$CODEBUILD_WEBHOOK_HEAD_REF"
      - echo "commit=$CODEBUILD_RESOLVED_SOURCE_VERSION number=$CODEBUILD_BUILD_NUMBER"
      - echo "git-head=$(cat $CODEBUILD_SRC_DIR/.git/HEAD) local=${CODEBUILD_LOCAL:-unset} log=$CODEBUILD_LOG_PATH"
      - mkdir -p $CODEBUILD_SRC_DIR/out && echo '<testsuite name="s" tests="0"/>' > $CODEBUILD_SRC_DIR/out/junit.xml
reports:
  unit:
    files: [junit.xml]
    base-directory: out
"""


def _plain_project(project_factory, buildspec: str) -> Path:
    return project_factory(features=[], extra_files={"buildspec.yml": buildspec, "sub/.keep": ""})


@pytest.mark.slow
def test_phase_rules_on_a_plain_image(base_image: str, project_factory) -> None:
    source = _plain_project(project_factory, RULES_BUILDSPEC)
    proc = codebuild_local(source, "--image", base_image, "-e", "GREETING=from-project")
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr  # the build phase failed
    # Variables are applied literally; the project's (--env) beat the buildspec's.
    assert "literal=$PATH:/extra greeting=from-project" in out
    # One shell session: cd, export, plain variables and functions carry over.
    assert "/src/sub exported=yes plain=kept" in out
    assert "helper-called" in out
    assert "entrypoint-ran=no" in out
    # The first failing command ends the phase; finally still runs; post_build runs, knowing.
    assert "never-printed" not in out
    assert "finally-ran" in out
    assert "post succeeding=0 id=" in out
    assert "Phase complete: BUILD State: FAILED" in out
    assert "Phase complete: POST_BUILD State: SUCCEEDED" in out
    line = next(x for x in out.splitlines() if x.startswith("src="))
    assert line.startswith("src=/codebuild/output/src") and "/src ref=refs/heads/main" in line
    commit = subprocess.run(
        ["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout
    assert f"commit={commit.strip()} number=" in out
    # The checkout's .git (HEAD detached at the commit) and the service's variables only.
    build_id = next(x for x in out.splitlines() if x.startswith("post succeeding=")).split("id=")[1]
    assert f"git-head={commit.strip()} local=unset log={build_id.split(':')[1]}" in out
    assert "report group unit (JUNITXML): out/junit.xml" in out


@pytest.mark.slow
def test_failed_install_runs_nothing_after(base_image: str, project_factory) -> None:
    source = _plain_project(
        project_factory,
        "version: 0.2\nphases:\n  install:\n    commands: ['false']\n"
        "  build:\n    commands: ['echo build-ran']\n  post_build:\n    commands: ['echo post-ran']\n",
    )
    proc = codebuild_local(source, "--image", base_image)
    assert proc.returncode == 1
    assert "build-ran" not in proc.stdout and "post-ran" not in proc.stdout
    assert "Phase complete: POST_BUILD State: SKIPPED" in proc.stdout


@pytest.mark.slow
def test_missing_report_files_fail_the_local_run(base_image: str, project_factory) -> None:
    source = _plain_project(
        project_factory,
        "version: 0.2\nphases:\n  build:\n    commands: ['echo ok']\n"
        "reports:\n  tests:\n    files: ['junit.xml']\n    base-directory: nowhere\n",
    )
    proc = codebuild_local(source, "--image", base_image)
    assert proc.returncode == 1
    assert "no file matches" in proc.stderr
    assert codebuild_local(source, "--image", base_image, "--allow-missing-reports").returncode == 0


FAST_FAIL_BUILDSPEC = """\
version: 0.2
phases:
  build:
    commands:
      - |
        if [ "$ROLE" = fails ]; then
          # Fail once the other build is surely running (the batch's builds share /codebuild/shards).
          for i in $(seq 300); do [ -f /codebuild/shards/slow-started ] && break; sleep 0.2; done
          exit 1
        fi
        touch /codebuild/shards/slow-started; echo slow-started; sleep 300; echo slow-finished
batch:
  fast-fail: true
  build-list:
    - identifier: fails
      env:
        variables:
          ROLE: fails
    - identifier: slow
      env:
        variables:
          ROLE: slow
"""


@pytest.mark.slow
def test_fast_fail_stops_a_running_build(base_image: str, project_factory) -> None:
    source = _plain_project(project_factory, FAST_FAIL_BUILDSPEC)
    started = time.monotonic()
    proc = codebuild_local(source, "--image", base_image, "--batch", timeout=600)
    elapsed = time.monotonic() - started
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert "codebuild-local: fails: FAILED" in out
    assert "codebuild-local: slow: STOPPED" in out
    lines = out.splitlines()
    assert "[slow] slow-started" in lines and "[slow] slow-finished" not in lines
    assert elapsed < 200, f"the running build was not stopped ({elapsed:.0f}s)"


# --------------------------------------------------------------------------- the real thing


@pytest.fixture(scope="session")
def codebuild_run(e2e_image: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    source = make_project(tmp_path_factory.mktemp("cb") / "project")
    proc = codebuild_local(source, "--image", e2e_image)
    return {"proc": proc, "source": source, "run_dirs": run_folders(source / "reports")}


@pytest.mark.slow
def test_buildspec_passes_with_entrypoint_overridden(codebuild_run: dict) -> None:
    proc = codebuild_run["proc"]
    assert proc.returncode == 0, f"{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"
    assert "ENTRYPOINT" in proc.stdout and "is replaced by the build driver" in proc.stdout
    assert "Running command e2e browser start" in proc.stdout
    (run_dir,) = codebuild_run["run_dirs"]
    run = read_run(run_dir)
    assert run["status"] == "passed"
    meta = run["metadata"]
    assert meta["source"] == "codebuild"
    assert meta["build_id"].startswith("project:") and meta["build_number"]
    assert meta["branch"] == "main"
    commit = subprocess.run(
        ["git", "-C", str(codebuild_run["source"]), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    assert meta["commit"] == commit
    assert meta["build_url"] and "codebuild" in meta["build_url"]
    assert (run_dir / "report" / "index.html").is_file()


@pytest.mark.slow
def test_same_scenarios_with_and_without_entrypoint(codebuild_run: dict, entrypoint_run: dict) -> None:
    assert entrypoint_run["proc"].returncode == 0, entrypoint_run["proc"].stderr[-3000:]
    (with_entrypoint,) = entrypoint_run["run_dirs"]
    (without,) = codebuild_run["run_dirs"]
    a, b = read_run(with_entrypoint), read_run(without)
    assert scenario_names(a) == scenario_names(b)
    assert {s["status"] for s in a["scenarios"]} == {s["status"] for s in b["scenarios"]} == {"passed"}


FAILING_FEATURE = """\
Feature: A deliberately failing check
  Scenario: The home page shows a text that is not there
    Given I open "/"
    Then I see "This text is not on the page"
"""


@pytest.mark.slow
def test_failing_build_still_publishes_and_fails(e2e_image: str, project_factory) -> None:
    from tests.support.s3 import make_bucket, read_objects, start_server

    source = project_factory(
        features=["home.feature"], extra_files={"features/zz_failing.feature": FAILING_FEATURE}
    )
    server = start_server()
    try:
        bucket = make_bucket(server.endpoint, public=False)
        proc = codebuild_local(
            source,
            "--image",
            e2e_image,
            "-e",
            f"E2E_REPORT_BUCKET={bucket}",
            "-e",
            f"AWS_ENDPOINT_URL_S3={server.endpoint}",
            "-e",
            "AWS_ACCESS_KEY_ID=testing",
            "-e",
            "AWS_SECRET_ACCESS_KEY=testing",
        )
        objects = read_objects(server.endpoint, bucket)
    finally:
        server.stop()
    out = proc.stdout
    assert proc.returncode == 1, out[-3000:]
    assert "Phase complete: BUILD State: FAILED" in out
    assert "Phase complete: POST_BUILD State: SUCCEEDED" in out
    assert "publishing what there is" in out
    (run_dir,) = run_folders(source / "reports")
    run = read_run(run_dir)
    assert run["status"] == "failed"
    published = [k for k in objects if run["run_id"] in k]
    assert any(k.endswith("run.json") for k in published), sorted(objects)[:20]
    assert any(k.endswith(".html") for k in published), sorted(objects)[:20]


@pytest.mark.slow
def test_two_shard_batch_merges_every_scenario_once(
    e2e_image: str, project_factory, entrypoint_run: dict
) -> None:
    """The batch as the service runs it: a failing scenario makes its shard's suite red but the
    shard build SUCCEEDS (its suite ran), and the merge build FAILS, and with it the batch;
    the merged run holds every scenario once; each build's reports: are found (real files)."""
    failing = (
        "Feature: One scenario that fails\n\n  Scenario: The wrong heading\n"
        '    Given I open "/"\n    Then I see the heading "Not the heading"\n'
    )
    source = project_factory(extra_files={"features/zz_failing.feature": failing})
    proc = codebuild_local(source, "--image", e2e_image, "--batch", "-e", "E2E_EXPECT_TIMEOUT=1500")
    out = proc.stdout
    assert proc.returncode == 1, f"{out[-5000:]}\n{proc.stderr[-2000:]}"
    for name in ("shard1", "shard2"):
        assert f"codebuild-local: {name}: SUCCEEDED" in out, out[-3000:]
    assert "codebuild-local: merge: FAILED" in out
    assert "reports: problems found" not in proc.stderr + out
    runs = [read_run(d) for d in run_folders(source / "reports")]
    merged = [r for r in runs if r.get("merged_from")]
    shards = [r for r in runs if not r.get("merged_from")]
    assert len(merged) == 1 and len(shards) == 2
    assert merged[0]["status"] == "failed"
    everything = scenario_names(merged[0])
    assert len(everything) == len(set(everything))
    assert sorted(scenario_names(shards[0]) + scenario_names(shards[1])) == everything
    assert set(scenario_names(shards[0])).isdisjoint(scenario_names(shards[1]))
    assert all(scenario_names(s) for s in shards), "a shard ran nothing"
    (with_entrypoint,) = entrypoint_run["run_dirs"]
    assert sorted(everything) == sorted(
        [*scenario_names(read_run(with_entrypoint)), "features/zz_failing.feature::test_the_wrong_heading"]
    )
    merged_dir = source / "reports" / merged[0]["run_id"]
    assert (merged_dir / "report" / "index.html").is_file()
    results = [json.loads(p.read_text()) for p in (merged_dir / "allure-results").glob("*-result.json")]
    assert len({r["historyId"] for r in results if r.get("status")}) >= len(everything)
