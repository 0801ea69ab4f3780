"""Split a suite over several machines: ``--shard INDEX/TOTAL`` (or ``E2E_SHARD``).

The unit of splitting is the scenario (each Examples row is one): a Background runs with
each scenario anyway, and one long feature file no longer makes one shard the batch's whole
wall time. Scenarios are packed greedily, longest first, each into the shard with the least
planned time so far, using the seconds each took in an earlier run (the plan's durations,
``--e2e-shard-plan FILE``, written by ``e2e run`` from the branch's newest published run
and stashed once per batch: ``runner.shards.plan``). Scenarios the durations do not know
(new ones, or every one when there are no durations) are then spread by count, each to the
shard with the fewest of them (ties: the least planned time, then the lowest number).

Every shard sees the same collected items (the same checkout, the same ``-k`` and ``-m``)
and the same durations, and the assignment is a pure function of the two, so the shards
together run every scenario exactly once. ``@sign-in:`` scenarios are never items
(``runner.plugin.collection``), so they are never planned.

``--shard`` is declared with the other settings' flags (``runner.plugin.options``), so every
pytest run can parse it; the splitting itself, ``Sharder``, is registered only by a run of
the e2e plugin, with the shard its settings parsed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from runner.run.durations import PLAN_FLAG, Durations


@dataclass(frozen=True)
class Plan:
    """Which shard (``1..total``) runs each scenario, and each shard's planned seconds."""

    shard_of: dict[str, int]
    seconds: list[float]  # planned seconds per shard (known durations only)
    unknown: list[int]  # scenarios per shard the durations did not know

    def describe(self, index: int) -> str:
        shards = ", ".join(
            f"{'*' if i + 1 == index else ''}{i + 1}: {s:.1f} s" + (f" + {n} new" if n else "")
            for i, (s, n) in enumerate(zip(self.seconds, self.unknown, strict=True))
        )
        return f"planned seconds per shard ({shards})"


def make_plan(ids: Iterable[str], durations: Mapping[str, float], total: int) -> Plan:
    """Pack ``ids`` into ``total`` shards: known scenarios longest first into the least loaded
    shard, then unknown ones spread by count. Deterministic whatever order ``ids`` come in."""
    unique = sorted(set(ids))
    known = sorted((i for i in unique if i in durations), key=lambda i: (-durations[i], i))
    loads = [0.0] * total
    counts = [0] * total
    shard_of: dict[str, int] = {}
    for scenario in known:
        shard = min(range(total), key=lambda s: (loads[s], s))
        shard_of[scenario] = shard + 1
        loads[shard] += durations[scenario]
    for scenario in (i for i in unique if i not in durations):
        shard = min(range(total), key=lambda s: (counts[s], loads[s], s))
        shard_of[scenario] = shard + 1
        counts[shard] += 1
    return Plan(shard_of, [round(load, 3) for load in loads], counts)


def read_plan_file(path: str | None) -> Durations:
    """The durations ``e2e run`` handed down, or none (by count) when no file was given."""
    if not path:
        return Durations()
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise pytest.UsageError(f"{PLAN_FLAG} {path}: cannot read the shard plan ({exc.strerror})") from None
    try:
        return Durations.from_bytes(data, f"{PLAN_FLAG} {path}")
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None


class Sharder:
    """The sharding of one run, registered by the plugin only when the run has a shard
    (``--shard``, ``E2E_SHARD`` or ``[tool.e2e] shard``, parsed once by the settings)."""

    def __init__(self, index: int, total: int, durations: Durations | None = None) -> None:
        self.index, self.total = index, total
        self.durations = durations or Durations()
        self.plan: Plan | None = None

    # trylast: -k/-m and other plugins deselect first, so shards balance what actually runs.
    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        self.plan = make_plan((item.nodeid for item in items), self.durations.seconds, self.total)
        kept = [item for item in items if self.plan.shard_of[item.nodeid] == self.index]
        deselected = [item for item in items if self.plan.shard_of[item.nodeid] != self.index]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
        items[:] = kept

    def pytest_report_header(self) -> str:
        how = f"by the durations of {self.durations.source}" if self.durations.seconds else "by count"
        return f"e2e shard: {self.index}/{self.total} (scenarios {how})"

    def pytest_report_collectionfinish(self) -> str | None:
        return self.plan.describe(self.index) if self.plan is not None else None

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """Under xdist the workers plan; the controller says what this shard was given."""
        if self.plan is not None:
            return
        known = [self.durations.seconds[i] for i in ids if i in self.durations.seconds]
        self.plan = Plan({}, [], [])
        new = len(ids) - len(known)
        node.config.pluginmanager.get_plugin("terminalreporter").write_line(
            f"e2e shard {self.index}/{self.total}: {len(ids)} scenarios, planned {sum(known):.1f} s"
            + (f" + {new} new" if new else "")
        )
