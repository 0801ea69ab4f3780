"""Split a suite over several machines: ``--shard INDEX/TOTAL`` (or ``E2E_SHARD``).

The unit of splitting is the feature file, as with CodeBuild's own ``codebuild-tests-run``:
a Background, the demo app's state and the evidence of one feature stay together in one
build. Every shard sees the same collected files (the same checkout, the same ``-k`` and
``-m``), and the assignment is a pure function of that list, so the shards together run
every scenario exactly once.

Files are assigned greedily, largest first, to the shard with the fewest scenarios so far
(ties broken by path and shard number). That keeps the shards even when one feature holds
most scenarios, which a plain round-robin or a path hash does not.

``--shard`` is declared with the other settings' flags (``runner.plugin.options``), so every
pytest run can parse it; the splitting itself, ``Sharder``, is registered only by a run of
the e2e plugin, with the shard its settings parsed. A plain unit-test run never resolves
settings here.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest


def assign_files(weights: dict[str, int], total: int) -> dict[str, int]:
    """Map each file (by its stable key) to a shard number in ``1..total``.

    Deterministic for a given set of files and weights, whatever order they come in.
    """
    loads = [0] * total
    assignment: dict[str, int] = {}
    for key in sorted(weights, key=lambda k: (-weights[k], k)):
        shard = min(range(total), key=lambda i: (loads[i], i))
        assignment[key] = shard + 1
        loads[shard] += weights[key]
    return assignment


def _file_key(item: pytest.Item, rootpath: Path) -> str:
    path = Path(str(item.path))
    try:
        return path.resolve().relative_to(rootpath.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def select(items: list[pytest.Item], rootpath: Path, index: int, total: int) -> tuple[list, list]:
    """(kept, deselected) items for shard ``index`` of ``total``."""
    keys = [_file_key(item, rootpath) for item in items]
    assignment = assign_files(Counter(keys), total)
    kept: list[pytest.Item] = []
    deselected: list[pytest.Item] = []
    for item, key in zip(items, keys, strict=True):
        (kept if assignment[key] == index else deselected).append(item)
    return kept, deselected


class Sharder:
    """The sharding of one run, registered by the plugin only when the run has a shard
    (``--shard``, ``E2E_SHARD`` or ``[tool.e2e] shard``, parsed once by the settings)."""

    def __init__(self, index: int, total: int) -> None:
        self.index, self.total = index, total

    # trylast: -k/-m and other plugins deselect first, so shards balance what actually runs.
    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        kept, deselected = select(items, config.rootpath, self.index, self.total)
        if deselected:
            config.hook.pytest_deselected(items=deselected)
        items[:] = kept

    def pytest_report_header(self) -> str:
        return f"e2e shard: {self.index}/{self.total} (whole feature files)"
