"""runner/codebuild/environment.py: the parts of a local build's start that read no git: the build
counter, the project name, the region, the credentials passed on, a push webhook's variables."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from runner.codebuild import environment as env


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "e2e-runner" / "codebuild-local-builds.json"


def test_build_numbers_count_per_project_and_never_repeat(cache: Path) -> None:
    with ThreadPoolExecutor(4) as pool:
        numbers = sorted(pool.map(lambda _: env.next_build_number("shop"), range(8)))
    assert numbers == list(range(1, 9))
    assert env.next_build_number("other") == 1
    assert json.loads(cache.read_text()) == {"shop": 8, "other": 1}


def test_a_damaged_counter_file_starts_again(cache: Path) -> None:
    cache.parent.mkdir(parents=True)
    cache.write_text("{not json")
    assert env.next_build_number("shop") == 1


def test_project_name_region_and_passed_credentials() -> None:
    assert env.project_name(Path("/src/my shop.e2e")) == "my-shop-e2e"
    assert env.host_region({"AWS_DEFAULT_REGION": "eu-west-1"}) == "eu-west-1"
    assert env.host_region({"AWS_REGION": "ap-south-1", "AWS_DEFAULT_REGION": "eu-west-1"}) == "ap-south-1"
    assert env.host_region({}) == env.DEFAULT_REGION
    host = {"AWS_ACCESS_KEY_ID": "AKIA", "AWS_SESSION_TOKEN": "", "HOME": "/root", "E2E_X": "1"}
    assert env.passed_through(host) == {"AWS_ACCESS_KEY_ID": "AKIA"}


def test_a_push_webhook_names_the_branch_and_a_detached_head_has_none() -> None:
    pushed = env._webhook_variables("feature/x", env.NO_COMMIT)
    assert pushed["CODEBUILD_WEBHOOK_HEAD_REF"] == "refs/heads/feature/x"
    assert pushed["CODEBUILD_WEBHOOK_TRIGGER"] == "branch/feature/x"
    assert pushed["CODEBUILD_WEBHOOK_EVENT"] == "PUSH" and pushed["CODEBUILD_WEBHOOK_PREV_COMMIT"] == "0" * 40
    assert env._webhook_variables("HEAD", env.NO_COMMIT) == {} == env._webhook_variables(None, env.NO_COMMIT)
