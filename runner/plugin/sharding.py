"""Split a suite over several machines: ``--shard INDEX/TOTAL`` (or ``E2E_SHARD``).

The unit of splitting is the feature file, as with CodeBuild's own ``codebuild-tests-run``:
a Background, the demo app's state and the evidence of one feature stay together in one
build. Every shard sees the same collected files (the same checkout, the same ``-k`` and
``-m``), and the assignment is a pure function of that list, so the shards together run
every scenario exactly once.

Files are assigned greedily, largest first, to the shard with the fewest scenarios so far
(ties broken by path and shard number). That keeps the shards even when one feature holds
most scenarios, which a plain round-robin or a path hash does not.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from runner.plugin.state import RUN_STATE
from runner.settings import SettingsError, resolve, shard_spec


class ShardSpecError(ValueError):
    """A shard spec is not ``INDEX/TOTAL`` with ``1 <= INDEX <= TOTAL``."""


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/3"`` -> ``(2, 3)``; indexes count from 1, like Playwright's ``--shard``."""
    try:
        spec = shard_spec(text or "")
    except ValueError as exc:
        raise ShardSpecError(f"{text!r}: {exc}") from None
    if spec is None:
        raise ShardSpecError(f"{text!r}: expected INDEX/TOTAL, for example 1/2")
    return spec


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


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("e2e-shard", "e2e sharding (split the suite over several builds)")
    group.addoption(
        "--shard",
        dest="e2e_shard",
        default=None,
        metavar="INDEX/TOTAL",
        help="run only shard INDEX of TOTAL, whole feature files per shard [E2E_SHARD]",
    )


_SPEC = pytest.StashKey[tuple[int, int] | None]()


def _shard_spec(config: pytest.Config) -> tuple[int, int] | None:
    """The shard of this run, from the run's settings (flag, E2E_SHARD, pyproject)."""
    if _SPEC not in config.stash:
        state = config.stash.get(RUN_STATE, None)
        if state is not None:
            config.stash[_SPEC] = state.settings.shard
        else:
            try:
                settings = resolve(config.rootpath, {"shard": config.getoption("e2e_shard", default=None)})
            except SettingsError as exc:
                raise pytest.UsageError(str(exc)) from None
            config.stash[_SPEC] = settings.shard
    return config.stash[_SPEC]


def pytest_configure(config: pytest.Config) -> None:
    # Validate at start-up so a typo fails before any collection work.
    _shard_spec(config)


# trylast: -k/-m and other plugins deselect first, so shards balance what actually runs.
@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    spec = _shard_spec(config)
    if spec is None:
        return
    index, total = spec
    kept, deselected = select(items, config.rootpath, index, total)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
    items[:] = kept


def pytest_report_header(config: pytest.Config) -> str | None:
    spec = _shard_spec(config)
    if spec is None:
        return None
    return f"e2e shard: {spec[0]}/{spec[1]} (whole feature files)"
