"""The durations a sharded run is balanced by: each scenario's seconds in an earlier run.

Data only, shared by the one who chooses them (``runner.shards.plan``, from the published
runs or ``reports/latest``) and the one who plans with them (``runner.plugin.sharding``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from runner.run.summary import RunSummary

PLAN_VERSION = 1
# In a shard's run folder: the durations it was planned by (``e2e run`` writes it).
PLAN_FILE = "shard-plan.json"
# Not a setting: how ``e2e run`` hands that file to the plugin.
PLAN_FLAG = "--e2e-shard-plan"
# A run the suite ran to its end in: its durations are those of every scenario it has.
COMPLETE_STATUSES = ("passed", "failed")


def whole_suite(run: RunSummary) -> bool:
    """A complete run of the whole suite: not cut off, nothing unwritten, and not one shard of a
    batch (a merged run is whole)."""
    if run.status not in COMPLETE_STATUSES or run.incomplete or run.error or not run.scenarios:
        return False
    if run.merged_from:
        return True
    return not run.metadata.get("shard") and not run.metadata.get("batch_shard")


@dataclass(frozen=True)
class Durations:
    """The seconds each scenario (by node id) took in the run ``source``; empty: plan by count."""

    seconds: Mapping[str, float] = field(default_factory=dict)
    source: str | None = None  # where they came from, said in the terminal

    @classmethod
    def of_run(cls, run: RunSummary, source: str) -> Durations:
        return cls({s.id: max(0.0, float(s.duration_seconds or 0.0)) for s in run.scenarios if s.id}, source)

    def to_bytes(self, **extra: Any) -> bytes:
        doc = {"version": PLAN_VERSION, "source": self.source, **extra, "seconds": dict(self.seconds)}
        return (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode()

    @classmethod
    def from_bytes(cls, data: bytes, where: str) -> Durations:
        """Durations from a plan file; ValueError naming ``where`` and what is wrong."""
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValueError(f"{where}: not a shard plan (not JSON: {exc})") from None
        if not isinstance(doc, dict) or doc.get("version") != PLAN_VERSION:
            raise ValueError(f"{where}: not a shard plan of version {PLAN_VERSION}")
        seconds = doc.get("seconds")
        if not isinstance(seconds, dict) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in seconds.values()
        ):
            raise ValueError(f"{where}: 'seconds' must map scenario ids to seconds (numbers >= 0)")
        source = doc.get("source")
        return cls({str(k): float(v) for k, v in seconds.items()}, str(source) if source else None)
