"""Triage across runs: for each failed scenario of a run, what its history on the branch says.

- **new failure**: it did not fail in the previous run of the branch (or there is none);
- **failing since run X**: it failed in every run of the branch from X on;
- **flaky**: it passed only on a retry in this run or a recent one, or it failed, passed and
  failed again within the recent runs of the branch.

And for each branch, how long its newest run has been red. Computed from the index entries
alone (each carries the keys of its failed and retried scenarios), when the index page is
rendered; nothing is stored twice. None of the report hosts we learn from offers this.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from runner.publish.index import RunEntry, RunIndex

# How far back "recent" reaches for flakiness, in runs of the branch.
WINDOW = 10
RED = ("failed", "error", "interrupted")


@dataclass(frozen=True)
class Verdict:
    kind: str  # "new", "since", "flaky"
    text: str


@dataclass(frozen=True)
class BranchState:
    branch: str
    latest: RunEntry
    red_since: RunEntry | None  # the first run of the current red streak
    red_runs: int


def _by_branch(index: RunIndex) -> dict[str | None, list[RunEntry]]:
    runs: dict[str | None, list[RunEntry]] = defaultdict(list)
    for entry in sorted((e for _, e in index.entries.values()), key=lambda e: e.sort_key):
        runs[entry.branch].append(entry)
    return runs


def _verdict(key: str, run: RunEntry, earlier: list[RunEntry]) -> Verdict:
    """``earlier``: the runs of the branch before ``run``, oldest first."""
    recent = earlier[-WINDOW:]
    if key in run.flaky_keys or any(key in r.flaky_keys for r in recent):
        return Verdict("flaky", "flaky: passed on a retry recently")
    if not earlier:
        return Verdict("new", "new failure (first run of this branch)")
    previous = earlier[-1]
    if key not in previous.failed_keys:
        if any(key in r.failed_keys for r in recent[:-1]):
            return Verdict("flaky", "flaky: fails and passes between runs")
        return Verdict("new", f"new failure (passed in run {previous.run_id})")
    start = len(earlier) - 1
    while start > 0 and key in earlier[start - 1].failed_keys:
        start -= 1
    first = earlier[start]
    return Verdict("since", f"failing since run {first.run_id} ({len(earlier) - start + 1} runs)")


def triage(index: RunIndex) -> dict[tuple[str, str], Verdict]:
    """(run id, scenario key) -> verdict, for every listed failure of every run."""
    verdicts: dict[tuple[str, str], Verdict] = {}
    for runs in _by_branch(index).values():
        for position, run in enumerate(runs):
            for failure in run.failures:
                if failure.key:
                    verdicts[(run.run_id, failure.key)] = _verdict(failure.key, run, runs[:position])
    return verdicts


def branch_states(index: RunIndex) -> list[BranchState]:
    """Each named branch's newest run and, when it is red, since which run."""
    states = []
    for branch, runs in sorted(_by_branch(index).items(), key=lambda item: item[0] or ""):
        if branch is None:
            continue
        latest = runs[-1]
        streak = 0
        while streak < len(runs) and runs[-1 - streak].status in RED:
            streak += 1
        since = runs[-streak] if streak else None
        states.append(BranchState(branch, latest, since, streak))
    return states
