"""runner.codebuild.buildspec and buildspec_sections: a buildspec read into a typed object."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from runner.codebuild.buildspec import parse_buildspec, parse_on_failure
from runner.codebuild.buildspec_sections import leaves_source, source_relative
from runner.codebuild.yaml_checker import BuildspecError

SPEC = """
version: 0.2
env:
  shell: bash
  variables: {E2E_SHARD: "1/2"}
phases:
  build:
    on-failure: CONTINUE
    commands: [e2e run]
reports:
  e2e:
    files: [junit.xml]
    base-directory: reports/latest
batch:
  build-graph:
    - identifier: shard1
    - identifier: merge
      depend-on: [shard1]
"""


def test_a_buildspec_with_reports_and_a_batch() -> None:
    spec = parse_buildspec(textwrap.dedent(SPEC), Path("buildspec.yml"))
    assert spec.shell == "bash" and spec.variables == {"E2E_SHARD": "1/2"}
    assert spec.phases["build"].commands == ("e2e run",)
    assert spec.reports["e2e"].base_directory == "reports/latest"
    assert spec.batch is not None and [t.identifier for t in spec.batch.tasks] == ["shard1", "merge"]
    assert spec.batch.tasks[1].depend_on == ("shard1",)


def test_a_batch_depending_on_an_unknown_task_names_the_line() -> None:
    text = SPEC.replace("depend-on: [shard1]", "depend-on: [shard9]")
    with pytest.raises(BuildspecError, match=r"^buildspec.yml:\d+: .*shard9"):
        parse_buildspec(textwrap.dedent(text), Path("buildspec.yml"))


def test_on_failure_forms_and_paths() -> None:
    assert parse_on_failure("RETRY-2").retries == 2
    assert source_relative("$CODEBUILD_SRC_DIR/reports/latest") == "./reports/latest"
    assert leaves_source("../x") and not leaves_source("reports/x")
