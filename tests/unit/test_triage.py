"""runner/publish/triage.py: verdicts on a run's failures from the branch's history, red streaks."""

from __future__ import annotations

from runner.publish.index import Failure, RunEntry, RunIndex
from runner.publish.triage import WINDOW, branch_states, triage


def _entry(
    number: int, branch: str | None, failed: tuple[str, ...] = (), flaky: tuple[str, ...] = ()
) -> RunEntry:
    return RunEntry.from_dict(
        {
            "run_id": f"20261101-{number:06d}-abcdef",
            "status": "failed" if failed else "passed",
            "started_at": f"2026-11-01T{number:02d}:00:00Z",
            "branch": branch,
            "failures": [{"name": key, "key": key} for key in failed],
            "failed_keys": failed,
            "flaky_keys": flaky,
        }
    )


def _index(*entries: RunEntry) -> RunIndex:
    return RunIndex({entry.run_id: ("etag", entry) for entry in entries})


def test_new_since_and_flaky_failures_are_told_apart() -> None:
    runs = [
        _entry(1, "main", failed=("B", "C")),
        _entry(2, "main", failed=("A", "B")),
        _entry(3, "main", failed=("A", "B", "C", "D")),
    ]
    verdicts = triage(_index(*runs))
    last = runs[-1].run_id
    assert verdicts[(runs[0].run_id, "B")].kind == "new"  # first run of the branch
    assert verdicts[(last, "A")].text == f"failing since run {runs[1].run_id} (2 runs)"
    assert verdicts[(last, "B")].text == f"failing since run {runs[0].run_id} (3 runs)"
    assert verdicts[(last, "C")].kind == "flaky"  # failed, passed, failed
    assert verdicts[(last, "D")].text == f"new failure (passed in run {runs[1].run_id})"


def test_a_retry_that_passed_makes_a_failure_flaky_within_the_window() -> None:
    runs = [_entry(1, "main", flaky=("A",))]
    runs += [_entry(n, "main") for n in range(2, WINDOW + 1)]
    runs.append(_entry(WINDOW + 1, "main", failed=("A",)))
    assert triage(_index(*runs))[(runs[-1].run_id, "A")].kind == "flaky"
    runs.insert(-1, _entry(WINDOW + 1, "other"))  # other branches do not count
    later = _entry(WINDOW + 2, "main", failed=("A",))  # the retry is now out of the window
    assert triage(_index(*runs, later))[(later.run_id, "A")].kind == "since"


def test_failures_without_a_key_get_no_verdict() -> None:
    entry = _entry(1, "main", failed=("A",))
    keyless = RunEntry(**{**entry.__dict__, "failures": (Failure("x", None, None, None, None, None),)})
    assert triage(_index(keyless)) == {}


def test_branch_states_count_the_red_streak_and_skip_unnamed_branches() -> None:
    states = branch_states(
        _index(
            _entry(1, "main", failed=("A",)),
            _entry(2, "main"),
            _entry(3, "main", failed=("A",)),
            _entry(4, "main", failed=("B",)),
            _entry(5, "green"),
            _entry(6, None, failed=("A",)),
        )
    )
    by_branch = {state.branch: state for state in states}
    assert sorted(by_branch) == ["green", "main"]
    assert by_branch["main"].red_runs == 2 and by_branch["main"].red_since.run_id.endswith("000003-abcdef")
    assert by_branch["green"].red_runs == 0 and by_branch["green"].red_since is None
