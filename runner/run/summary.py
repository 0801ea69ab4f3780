"""The one model of ``run.json``: ``RunSummary``, ``ScenarioResult``, ``Counts`` and ``roll_up``.

The plugin's result writer and the shard merge build a summary; everything else reads it
with ``RunSummary.read``; counts and status come from ``roll_up`` alone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from runner.run.folder import RUN_JSON, NotARunFolder, read_run_json, write_json_atomic

# A scenario's status, worst first: the order in which they decide a run's status.
SCENARIO_STATUSES = ("broken", "failed", "skipped", "passed")
# A run's status: "error" (could not start), "interrupted", "failed", "no-tests", "passed".
PASSING_RUN_STATUSES = ("passed", "no-tests")


@dataclass
class ScenarioResult:
    """One scenario's outcome, as the index, the merge and people read it."""

    id: str
    name: str
    feature: str | None = None
    status: str = "passed"
    duration_seconds: float = 0.0
    failed_step: str | None = None
    error: str | None = None
    screenshot: str | None = None  # the failing step's screenshot, run-relative
    final_screenshot: str | None = None
    retries: int = 0
    flaky: bool = False
    # Visual comparisons that wrote a baseline or failed: name, baseline (path), outcome.
    visual: list[dict[str, str]] | None = None
    # ``@quarantine`` / ``@quarantine:REASON``: the scenario ran, its failure does not fail the run.
    quarantined: bool = False
    quarantine_reason: str | None = None
    trace: str | None = None  # the failed attempt's trace.zip, run-relative

    @property
    def counts_as_failure(self) -> bool:
        """A failure that fails the run: failed or broken, and not quarantined."""
        return self.status in {"failed", "broken"} and not self.quarantined

    @property
    def quarantine_can_go(self) -> bool:
        """A quarantined scenario that passed: its tag can go."""
        return self.quarantined and self.status == "passed"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScenarioResult:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["id"] = str(values.get("id", ""))
        values["name"] = str(values.get("name") or values["id"])
        return cls(**values)


@dataclass
class Counts:
    total: int = 0
    passed: int = 0
    failed: int = 0
    broken: int = 0
    skipped: int = 0
    flaky: int = 0
    quarantined: int = 0  # quarantined scenarios that failed (not in failed/broken)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Counts:
        known = {f.name for f in fields(cls)}
        return cls(**{k: int(v or 0) for k, v in (data or {}).items() if k in known})


def roll_up(
    scenarios: list[ScenarioResult],
    *,
    exit_code: int,
    error: str | None = None,
    part_statuses: tuple[str, ...] = (),
) -> tuple[Counts, str]:
    """Counts and status of a run from its scenarios: the only place a run's status is decided.

    ``exit_code`` is pytest's (5: no tests collected, not a failure); ``part_statuses`` are
    the statuses of the shards a merged run is made of (any shard in error makes it an error).
    """
    counts = Counts(total=len(scenarios))
    for scenario in scenarios:
        if scenario.quarantined and scenario.status in {"failed", "broken"}:
            counts.quarantined += 1
        elif scenario.status in SCENARIO_STATUSES:
            setattr(counts, scenario.status, getattr(counts, scenario.status) + 1)
        counts.flaky += int(scenario.flaky)
    if error or "error" in part_statuses:
        status = "error"
    elif "interrupted" in part_statuses or exit_code == 2:
        status = "interrupted"
    elif counts.failed or counts.broken or exit_code not in (0, 5) or "failed" in part_statuses:
        status = "failed"
    elif counts.total == 0:
        status = "no-tests"
    else:
        status = "passed"
    return counts, status


@dataclass
class RunSummary:
    """``run.json``: the run's identity, timing, status, counts, metadata and every scenario."""

    run_id: str
    started_at: str | None = None
    finished_at: str | None = None
    duration_seconds: float | None = None
    exit_code: int = 0
    status: str = "no-tests"
    error: str | None = None
    counts: Counts = field(default_factory=Counts)
    metadata: dict[str, Any] = field(default_factory=dict)
    scenarios: list[ScenarioResult] = field(default_factory=list)
    report: str | None = None  # run-relative path of the run's own HTML report
    merged_from: list[str] | None = None
    incomplete: list[str] | None = None  # files of the run that could not be written, and why
    # The accessibility scans' totals (runner.a11y.scans.run_summary); absent when none ran.
    accessibility: dict[str, Any] | None = None

    @property
    def passed(self) -> bool:
        return self.status in PASSING_RUN_STATUSES

    @property
    def branch(self) -> str | None:
        return self.metadata.get("branch")

    @classmethod
    def build(
        cls,
        run_id: str,
        scenarios: list[ScenarioResult],
        *,
        started: datetime | str | None,
        finished: datetime | str | None,
        exit_code: int,
        error: str | None = None,
        metadata: dict[str, Any] | None = None,
        part_statuses: tuple[str, ...] = (),
        merged_from: list[str] | None = None,
    ) -> RunSummary:
        """A summary with counts and status rolled up from ``scenarios`` (sorted by id)."""
        scenarios = sorted(scenarios, key=lambda s: s.id)
        counts, status = roll_up(scenarios, exit_code=exit_code, error=error, part_statuses=part_statuses)
        start, end = _moment(started), _moment(finished)
        duration = round((end - start).total_seconds(), 3) if start and end else None
        return cls(
            run_id=run_id,
            started_at=start.isoformat(timespec="milliseconds") if start else None,
            finished_at=end.isoformat(timespec="milliseconds") if end else None,
            duration_seconds=duration,
            exit_code=int(exit_code),
            status=status,
            error=error,
            counts=counts,
            metadata=dict(metadata or {}),
            scenarios=scenarios,
            merged_from=merged_from,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunSummary:
        return cls(
            run_id=str(data["run_id"]),
            started_at=data.get("started_at"),
            finished_at=data.get("finished_at"),
            duration_seconds=data.get("duration_seconds"),
            exit_code=int(data.get("exit_code") or 0),
            status=str(data.get("status") or "unknown"),
            error=data.get("error"),
            counts=Counts.from_dict(data.get("counts")),
            metadata=dict(data.get("metadata") or {}),
            scenarios=[
                ScenarioResult.from_dict(s) for s in data.get("scenarios") or [] if isinstance(s, dict)
            ],
            report=data.get("report"),
            merged_from=data.get("merged_from"),
            incomplete=data.get("incomplete"),
            accessibility=data.get("accessibility"),
        )

    @classmethod
    def read(cls, run_dir: Path) -> RunSummary:
        """The summary of a run folder; NotARunFolder (saying why) when it is not one."""
        data = read_run_json(run_dir)
        try:
            return cls.from_dict(data)
        except (TypeError, ValueError) as exc:
            raise NotARunFolder(
                f"{Path(run_dir) / RUN_JSON}: not a run summary this tool wrote ({exc})."
            ) from exc

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for optional in ("merged_from", "incomplete", "accessibility"):
            if data[optional] is None:
                del data[optional]
        return data

    def write(self, run_dir: Path) -> None:
        write_json_atomic(Path(run_dir) / RUN_JSON, self.to_dict())


def _moment(value: datetime | str | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
