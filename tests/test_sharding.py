"""`--shard INDEX/TOTAL`: scenarios per shard, deterministic and complete (the planner: tests/unit/test_sharding.py)."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _pytest_collect(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def _collect(*args: str, env: dict[str, str] | None = None) -> list[str]:
    proc = _pytest_collect(*args, env=env)
    assert proc.returncode in (0, 5), proc.stdout + proc.stderr
    return [line for line in proc.stdout.splitlines() if "::" in line]


def test_shards_of_the_example_suite_cover_it_exactly_once() -> None:
    everything = _collect("features")
    assert everything
    shards = [_collect("features", "--shard", f"{i}/2") for i in (1, 2)]
    assert all(shards), "a shard of the example suite is empty"
    assert sorted(itertools.chain(*shards)) == sorted(everything)
    assert not set(shards[0]) & set(shards[1]), "a scenario is in both shards"
    # Deterministic: the same shard again, and the environment twin, give the same items.
    assert _collect("features", "--shard", "1/2") == shards[0]
    assert _collect("features", env={"E2E_SHARD": "1/2"}) == shards[0]


def test_bad_shard_is_a_usage_error() -> None:
    proc = _pytest_collect("features", "--shard", "3/2")
    assert proc.returncode == 4
    assert "--shard" in proc.stderr and "between 1 and TOTAL" in proc.stderr


def test_a_plain_test_run_is_left_alone_by_the_sharding(tmp_path: Path) -> None:
    """``--shard`` is always a known flag, but only a run of the plugin resolves settings: a
    bad ``[tool.e2e]`` (here a shard that cannot be) does not break plain unit tests."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "plain"\n\n[tool.e2e]\nshard = "9/2"\n')
    (tmp_path / "test_plain.py").write_text(
        "def test_one():\n    assert True\n\n\ndef test_two():\n    assert True\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("E2E_")}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--shard", "1/2", "test_plain.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout
