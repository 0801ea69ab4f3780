"""The index of published runs: one small entry object per run, and the pages built from them.

Why the index is not a single JSON file that every publisher reads, edits and writes back:
two builds publishing at the same moment would each write their own version and one run
would vanish from the index (a lost update). Instead each publish writes its own immutable
entry, ``entries/<run-id>.json``, as the LAST object of the run (so the index never links to
a half-uploaded run), and the shared pages (``index.html``, ``runs/index.json``, ``latest/``)
are derived from a LIST of ``entries/``. The publisher rebuilds them until a LIST taken after
its write matches the one it built from (see ``runner.publish.site.publish_site``); with S3's
read-after-write consistency the last page written then holds every committed run.

``runs/index.json`` is a cache of all entries with their ETags, so a rebuild GETs only the
entries it has not seen, not one object per run ever published.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import PurePosixPath
from typing import Any

from runner.publish.layout import (
    ENTRIES_DIR,
    HISTORY_FILE,
    INDEX_PAGE,
    LATEST_PAGE,
    SINGLE_FILE_PAGE,
    SITE_REPORT_PAGE,
    branch_latest_page,
    run_root,
)
from runner.run.folder import RUN_ID_PATTERN
from runner.run.summary import RunSummary

INDEX_VERSION = 1

# Triage details (failures with thumbnails) are shown for the newest runs only, so the
# page of a project with thousands of runs stays light.
TRIAGE_RUNS = 30
FAILURES_PER_RUN = 10
_TEXT_LIMIT = 500


@dataclass(frozen=True)
class Failure:
    name: str
    feature: str | None
    key: str | None  # the scenario's key (a short hash of its id), the same in every run
    failed_step: str | None
    error: str | None
    screenshot: str | None  # key relative to the publish root
    trace: str | None = None  # the failed attempt's trace.zip, key relative to the publish root
    quarantined: bool = False  # @quarantine: listed apart, not failing the run
    quarantine_reason: str | None = None


@dataclass(frozen=True)
class RunEntry:
    run_id: str
    status: str
    counts: dict[str, int]
    started_at: str | None
    finished_at: str | None
    duration_seconds: float | None
    exit_code: int | None
    branch: str | None
    commit: str | None
    build_number: str | None
    build_url: str | None
    initiator: str | None
    source: str | None
    report: str | None
    report_single_file: str | None
    history: str | None
    failures: tuple[Failure, ...] = ()
    failures_total: int = 0
    # Every failed (or broken) scenario's key, and those that passed only on a retry: what
    # triage across runs compares.
    failed_keys: tuple[str, ...] = ()
    flaky_keys: tuple[str, ...] = ()
    # Visual comparisons of the run that did not match their baseline, and baselines it wrote.
    visual_mismatches: int = 0
    visual_written: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["failures"] = [asdict(f) for f in self.failures]
        return data

    def to_bytes(self) -> bytes:
        return (json.dumps(self.to_dict(), indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunEntry:
        if not RUN_ID_PATTERN.match(str(data.get("run_id", ""))):
            raise ValueError("entry without a valid run_id")
        failures = tuple(
            Failure(
                name=str(f.get("name") or ""),
                feature=_opt(f.get("feature")),
                key=_opt(f.get("key")),
                failed_step=_opt(f.get("failed_step")),
                error=_opt(f.get("error")),
                screenshot=_opt(f.get("screenshot")),
                trace=_opt(f.get("trace")),
                quarantined=bool(f.get("quarantined")),
                quarantine_reason=_opt(f.get("quarantine_reason")),
            )
            for f in data.get("failures") or []
            if isinstance(f, Mapping)
        )
        counts = data.get("counts") or {}
        return cls(
            run_id=str(data["run_id"]),
            status=str(data.get("status") or "unknown"),
            counts={str(k): int(v) for k, v in counts.items() if isinstance(v, int | float)},
            started_at=_opt(data.get("started_at")),
            finished_at=_opt(data.get("finished_at")),
            duration_seconds=_opt_float(data.get("duration_seconds")),
            exit_code=data.get("exit_code") if isinstance(data.get("exit_code"), int) else None,
            branch=_opt(data.get("branch")),
            commit=_opt(data.get("commit")),
            build_number=_opt(data.get("build_number")),
            build_url=_opt(data.get("build_url")),
            initiator=_opt(data.get("initiator")),
            source=_opt(data.get("source")),
            report=_opt(data.get("report")),
            report_single_file=_opt(data.get("report_single_file")),
            history=_opt(data.get("history")),
            failures=failures,
            failures_total=int(data.get("failures_total") or len(failures)),
            failed_keys=tuple(str(k) for k in data.get("failed_keys") or ()),
            flaky_keys=tuple(str(k) for k in data.get("flaky_keys") or ()),
            visual_mismatches=int(data.get("visual_mismatches") or 0),
            visual_written=int(data.get("visual_written") or 0),
        )

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.started_at or "", self.run_id)


def _opt(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text[:_TEXT_LIMIT] if text else None


def _opt_float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _first_line(text: Any) -> str | None:
    if text is None:
        return None
    lines = str(text).strip().splitlines()
    return lines[0][:_TEXT_LIMIT] if lines else None


def scenario_key(scenario_id: str) -> str:
    """A short, stable key of a scenario (its node id), for comparing runs compactly."""
    return hashlib.sha1(scenario_id.encode("utf-8"), usedforsecurity=False).hexdigest()[:12]


def _visual(run: RunSummary, outcome: str) -> int:
    """How many of the run's visual comparisons ended with ``outcome``."""
    return sum(1 for s in run.scenarios for v in (s.visual or ()) if v.get("outcome") == outcome)


def entry_from_run(run: RunSummary, *, published_files: set[str]) -> RunEntry:
    """The index entry of a run from its summary.

    ``published_files`` are the run-relative paths on the target, so a screenshot or report
    named in run.json is linked only when it really is there (and never outside the run).
    """
    root = run_root(run.run_id)

    def key_of(rel: Any) -> str | None:
        if not rel:
            return None
        normal = posixpath.normpath(str(rel).replace("\\", "/"))
        return root + normal if normal in published_files else None

    failed = [s for s in run.scenarios if s.counts_as_failure]
    quarantined = [s for s in run.scenarios if s.quarantined and s.status in {"failed", "broken"}]
    failures = [
        Failure(
            name=str(scenario.name or scenario.id or "?")[:_TEXT_LIMIT],
            feature=_opt(scenario.feature),
            key=scenario_key(scenario.id),
            failed_step=_opt(scenario.failed_step),
            error=_first_line(scenario.error),
            screenshot=key_of(scenario.screenshot),
            trace=key_of(scenario.trace),
            quarantined=scenario.quarantined,
            quarantine_reason=_opt(scenario.quarantine_reason),
        )
        for scenario in failed[:FAILURES_PER_RUN] + quarantined[:FAILURES_PER_RUN]
    ]
    meta = run.metadata
    return RunEntry.from_dict(
        {
            "run_id": run.run_id,
            "status": run.status,
            "counts": asdict(run.counts),
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "duration_seconds": run.duration_seconds,
            "exit_code": run.exit_code,
            **{
                name: meta.get(name)
                for name in ("branch", "commit", "build_number", "build_url", "initiator", "source")
            },
            "report": key_of(SITE_REPORT_PAGE),
            "report_single_file": key_of(SINGLE_FILE_PAGE),
            "history": key_of(HISTORY_FILE),
            "failures": [asdict(f) for f in failures],
            "failures_total": len(failed),
            "failed_keys": sorted(scenario_key(s.id) for s in failed),
            "flaky_keys": sorted(scenario_key(s.id) for s in run.scenarios if s.flaky),
            "visual_mismatches": _visual(run, "mismatch"),
            "visual_written": _visual(run, "written"),
        }
    )


# --------------------------------------------------------------------------- the merge


@dataclass
class RunIndex:
    """Every committed run, keyed by id, with the ETag of the entry object it came from."""

    entries: dict[str, tuple[str, RunEntry]] = field(default_factory=dict)

    def newest_first(self) -> list[RunEntry]:
        return sorted((e for _, e in self.entries.values()), key=lambda e: e.sort_key, reverse=True)

    def previous_of(self, run_id: str, branch: str | None, started_at: str | None) -> RunEntry | None:
        """The newest run of the same branch started before this one, with history to carry."""
        here = (started_at or "", run_id)
        for entry in self.newest_first():
            if entry.run_id != run_id and entry.branch == branch and entry.history and entry.sort_key < here:
                return entry
        return None

    def to_bytes(self) -> bytes:
        pairs = sorted(self.entries.values(), key=lambda pair: pair[1].sort_key, reverse=True)
        runs = [{"etag": etag, **entry.to_dict()} for etag, entry in pairs]
        return (
            json.dumps({"version": INDEX_VERSION, "runs": runs}, indent=1, sort_keys=True) + "\n"
        ).encode()


def parse_index_json(data: bytes | None) -> dict[str, tuple[str, RunEntry]]:
    """The cached entries of ``runs/index.json``; anything unreadable is simply not cached."""
    if not data:
        return {}
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return {}
    cached: dict[str, tuple[str, RunEntry]] = {}
    if not isinstance(doc, dict) or doc.get("version") != INDEX_VERSION:
        return cached
    for item in doc.get("runs") or []:
        try:
            entry = RunEntry.from_dict(item)
        except (ValueError, TypeError, KeyError):
            continue
        cached[entry.run_id] = (str(item.get("etag") or ""), entry)
    return cached


def listed_run_ids(keys: Iterable[str]) -> dict[str, str]:
    """Run id -> key, for the keys of a LIST of ``entries/`` that are run entries."""
    found = {}
    for key in keys:
        name = PurePosixPath(key).name
        if key.startswith(ENTRIES_DIR) and name.endswith(".json") and RUN_ID_PATTERN.match(name[:-5]):
            found[name[:-5]] = key
    return found


def merge(
    listing: Mapping[str, str],
    cached: Mapping[str, tuple[str, RunEntry]],
    fetched: Mapping[str, tuple[str, RunEntry]],
) -> RunIndex:
    """The index for the runs in ``listing`` (id -> etag): fresh fetches win, then a cache hit
    with the same ETag. Runs no longer listed drop out; nothing else is ever removed."""
    index = RunIndex()
    for run_id, etag in listing.items():
        if run_id in fetched:
            index.entries[run_id] = fetched[run_id]
        elif run_id in cached and cached[run_id][0] == etag:
            index.entries[run_id] = cached[run_id]
    return index


def stale_ids(listing: Mapping[str, str], cached: Mapping[str, tuple[str, RunEntry]]) -> list[str]:
    return sorted(run_id for run_id, etag in listing.items() if cached.get(run_id, ("",))[0] != etag)


# --------------------------------------------------------------------------- latest


def report_of(entry: RunEntry, *, single_file: bool = False) -> str | None:
    """The report to link: a single-file one where the site is opened from disk (a multi-file
    Allure report fetches its data, which browsers refuse for file:// pages)."""
    if single_file and entry.report_single_file:
        return entry.report_single_file
    return entry.report or entry.report_single_file


def run_target(entry: RunEntry, *, single_file: bool = False) -> str:
    """Where a link to a run should land: its report, else its row in the index."""
    return report_of(entry, single_file=single_file) or f"{INDEX_PAGE}#run-{entry.run_id}"


def latest_pages(index: RunIndex) -> dict[str, RunEntry]:
    """``latest/index.html`` for the newest run, and one page per branch."""
    pages: dict[str, RunEntry] = {}
    for entry in index.newest_first():
        pages.setdefault(LATEST_PAGE, entry)
        if entry.branch:
            pages.setdefault(branch_latest_page(entry.branch), entry)
    return pages


def relative_link(from_key: str, to_key: str) -> str:
    base = posixpath.dirname(from_key) or "."
    path, _, fragment = to_key.partition("#")
    rel = posixpath.relpath(path, base)
    return f"{rel}#{fragment}" if fragment else rel
