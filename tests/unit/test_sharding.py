"""The shard planner: scenarios packed by their durations, new ones spread by count."""

from __future__ import annotations

import random

import pytest

from runner.plugin.sharding import make_plan
from runner.run.durations import Durations


def _skewed_suite() -> dict[str, float]:
    """One feature file holding 70 % of the time (real durations of a run, rounded), the rest
    in four small files: whole files cannot be balanced, scenarios can."""
    rng = random.Random(23)
    seconds = {f"features/long.feature::test_step[{i}]": round(rng.uniform(2.0, 6.0), 3) for i in range(24)}
    long_total = sum(seconds.values())
    rest = long_total * 3 / 7
    small = [f"features/f{f}.feature::test_{s}" for f in range(4) for s in range(8)]
    weights = [rng.uniform(0.5, 1.5) for _ in small]
    for scenario, w in zip(small, weights, strict=True):
        seconds[scenario] = round(rest * w / sum(weights), 3)
    return seconds


def test_a_skewed_suite_is_balanced_within_15_percent() -> None:
    durations = _skewed_suite()
    long_share = sum(v for k, v in durations.items() if "long" in k) / sum(durations.values())
    assert 0.69 <= long_share <= 0.71
    plan = make_plan(durations, durations, 2)
    loads = [sum(durations[s] for s, shard in plan.shard_of.items() if shard == i) for i in (1, 2)]
    assert max(loads) / (sum(loads) / 2) <= 1.15
    assert plan.seconds == [round(load, 3) for load in loads]


@pytest.mark.parametrize("total", [1, 2, 3, 7])
def test_every_scenario_in_exactly_one_shard_whatever_the_order(total: int) -> None:
    durations = _skewed_suite()
    ids = list(durations) + ["features/new.feature::test_a", "features/new.feature::test_b"]
    plan = make_plan(ids, durations, total)
    assert set(plan.shard_of) == set(ids)
    assert set(plan.shard_of.values()) <= set(range(1, total + 1))
    shuffled = random.Random(total).sample(ids, len(ids))
    assert make_plan(shuffled, durations, total) == plan


def test_new_scenarios_are_spread_by_count() -> None:
    plan = make_plan([f"f.feature::test_{i}" for i in range(7)], {}, 3)
    assert plan.unknown == [3, 2, 2]
    assert plan.seconds == [0.0, 0.0, 0.0]
    known = {"a::x": 10.0}
    plan = make_plan(["a::x", "b::y", "b::z"], known, 2)
    assert plan.shard_of == {"a::x": 1, "b::y": 2, "b::z": 1}  # count first, then the lighter shard


def test_describe_names_each_shard_and_marks_this_one() -> None:
    plan = make_plan(["a::1", "a::2", "b::3"], {"a::1": 3.0, "a::2": 1.5}, 2)
    assert plan.describe(2) == "planned seconds per shard (1: 3.0 s, *2: 1.5 s + 1 new)"


def test_plan_files_round_trip_and_bad_ones_are_named() -> None:
    durations = Durations({"a::1": 1.25}, "run 20250101-000000-abcdef (site)")
    assert Durations.from_bytes(durations.to_bytes(batch="b"), "plan.json") == durations
    for bad, says in [
        (b"{", "not JSON"),
        (b'{"version": 9}', "version 1"),
        (b'{"version": 1, "seconds": {"a": -1}}', "seconds"),
    ]:
        with pytest.raises(ValueError, match=says) as caught:
            Durations.from_bytes(bad, "x/plan.json")
        assert "x/plan.json" in str(caught.value)
