"""The run folder and its summary: one directory per run under ``reports/``, never reused.

Layout (the contract every later step reads)::

    reports/<run-id>/
        run.json            metadata + summary (written at session end)
        allure-results/     Allure results, written by allure-pytest-bdd and the evidence hooks
        evidence/<test>/    screenshots, traces and videos, by scenario
        junit.xml           pytest's JUnit XML
        cucumber.json       Cucumber JSON (complete under xdist, integer durations)
        report/index.html   the run's own HTML report, one self-contained file (made once, by
                            ``e2e run`` or ``e2e merge``; nothing else writes into a run folder)

``RunSummary`` is the one model of ``run.json``: the plugin's result writer and the shard
merge build it, everything else reads it with ``RunSummary.read``; counts and status come
from ``roll_up`` alone.

A run id is ``YYYYMMDD-HHMMSS-xxxxxx`` (UTC time, then random hex), so ids sort by time
and two runs started in the same second never share a folder.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# ASCII digits only (``\d`` would take any script's) and ``\Z``, not ``$`` (which also
# matches before a final newline): a run id becomes a folder name and an S3 key segment.
RUN_ID_PATTERN = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}\Z")
RUN_JSON = "run.json"
ALLURE_RESULTS = "allure-results"
EVIDENCE = "evidence"
JUNIT_XML = "junit.xml"
CUCUMBER_JSON = "cucumber.json"
REPORT_DIR = "report"


class NotARunFolder(Exception):
    """The given folder is not a run folder; the message says why and what to pass."""


def new_run_id(now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


class RunFolderError(Exception):
    """No run folder can be made under the reports folder; the message names the folder,
    the setting it came from and what to do."""


# The setting behind the reports folder, for messages when its source is not known.
REPORTS_DIR_SETTING = "reports_dir ([tool.e2e] in pyproject.toml), E2E_REPORTS_DIR or --reports-dir"
_ID_ATTEMPTS = 100


def create_run_dir(reports_dir: Path, *, source: str | None = None) -> Path:
    """Make a fresh run folder; never returns an existing one.

    Raises RunFolderError when the reports folder cannot be made or written (a path under a
    regular file, a read-only folder, a name too long); ``source`` is where the reports
    folder was set (``Settings.source_of("reports_dir")``), named in the message.
    """
    reports_dir = Path(reports_dir)
    try:
        if reports_dir.exists() and not reports_dir.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "exists and is not a folder")
        reports_dir.mkdir(parents=True, exist_ok=True)
        for _ in range(_ID_ATTEMPTS):
            run_dir = reports_dir / new_run_id()
            try:
                run_dir.mkdir()
            except FileExistsError:
                continue
            (run_dir / ALLURE_RESULTS).mkdir()
            (run_dir / EVIDENCE).mkdir()
            return run_dir
        raise FileExistsError(errno.EEXIST, f"{_ID_ATTEMPTS} new run ids in a row were taken")
    except OSError as exc:
        raise RunFolderError(_run_folder_message(reports_dir, exc, source)) from exc


def _run_folder_message(reports_dir: Path, exc: OSError, source: str | None) -> str:
    reason = exc.strerror or str(exc)
    if exc.filename and Path(exc.filename) != reports_dir:
        reason = f"{reason}: {exc.filename}"
    origin = ""
    if source == "default":
        origin = " (the default, reports/)"
    elif source:
        origin = f" (from {source})"
    return (
        f"reports folder {reports_dir}{origin}: cannot make a run folder there ({reason}). "
        f"Set {REPORTS_DIR_SETTING} to a folder you may write."
    )


def read_run_json(run_dir: Path) -> dict[str, Any]:
    """The raw ``run.json`` document; raises NotARunFolder with a reason when the folder is not a run.

    Code reads ``RunSummary.read`` instead; this is its parser.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise NotARunFolder(f"{run_dir}: no such folder. Pass a folder under reports/ made by `e2e run`.")
    meta_path = run_dir / RUN_JSON
    if not meta_path.is_file():
        raise NotARunFolder(
            f"{run_dir}: not a run folder (no {RUN_JSON}). Pass a folder under reports/ made by `e2e run` "
            "or `pytest features/`."
        )
    try:
        data = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise NotARunFolder(f"{meta_path}: unreadable ({exc}).") from exc
    if not isinstance(data, dict) or not RUN_ID_PATTERN.match(str(data.get("run_id", ""))):
        raise NotARunFolder(f"{meta_path}: has no valid run_id; it was not written by this tool.")
    return data


def write_json_atomic(path: Path, data: Any) -> None:
    """Written beside and renamed over: a reader (or a full disk) never leaves half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def latest_run_dir(reports_dir: Path) -> Path | None:
    runs = sorted(p for p in reports_dir.glob("*") if p.is_dir() and RUN_ID_PATTERN.match(p.name))
    return runs[-1] if runs else None


def point_latest(run_dir: Path) -> bool:
    """``<reports>/latest`` -> ``run_dir`` if it is the newest-started run with a complete
    ``run.json``; returns whether it moved.

    Called when a run's summary is written (by ``pytest features/`` and ``e2e run`` alike), so
    ``latest`` never points at a run without one. Two runs at once: whichever finishes,
    ``latest`` ends on the one that started last (run ids sort by start time). The link is
    replaced atomically, under a lock, so concurrent runs never leave it half-made.
    """
    import fcntl

    reports = run_dir.parent
    link = reports / "latest"
    with open(reports / ".latest.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = link.resolve() if link.is_symlink() else None
        if (
            current is not None
            and current != run_dir.resolve()
            and current.name > run_dir.name
            and (current / RUN_JSON).is_file()
        ):
            return False
        tmp = reports / f".latest.{os.getpid()}"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(run_dir.name, target_is_directory=True)
        os.replace(tmp, link)
    return True


def hand_over(run_dir: Path, project_root: Path) -> None:
    """Give a run folder (and the reports folder's ``latest`` link) to the project's owner.

    Under ``docker run -v "$PWD:/e2e"`` the runner is root while the repository belongs to
    the developer: without this, ``reports/`` fills with files they cannot delete. Only
    acts when running as root on a project owned by someone else; never follows links.
    """
    if os.geteuid() != 0:
        return
    try:
        owner = project_root.stat()
    except OSError:
        return
    if owner.st_uid == 0:
        return
    reports = run_dir.parent
    tops = [reports, reports / "latest", reports / ".latest.lock"]
    for path in [*tops, run_dir, *run_dir.rglob("*")]:
        try:
            os.lchown(path, owner.st_uid, owner.st_gid)
        except OSError:
            pass  # not there, removed meanwhile, or a file system without owners


# --------------------------------------------------------------------------- the run summary

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
        if scenario.status in SCENARIO_STATUSES:
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
