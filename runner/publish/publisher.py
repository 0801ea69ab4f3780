"""`e2e publish`: copy a run folder to a target and update that target's index and `latest`.

The keys it writes are laid out in ``runner.publish.layout``; this module is the order of a
publish (the orchestration), ``staging`` makes the reports (and resumes a cut-off publish),
``site`` rebuilds the shared pages, ``uploads`` sends files.

Order of a publish, chosen so a crash at any point leaves a consistent site: check the
target (read only) and list the run's own folder there -> upload the run folder's changed
files (and the trace viewer's, shared by every run) in parallel *while* the target's index is
read and the site's report is made into a staging folder (Allure history carried from the
previous run of the same branch; once: skipped when the target has it; Allure runs in a
process of its own, so the two overlap) -> upload the reports' changed
files -> write the run's entry (the commit point: before it the run is invisible) -> rebuild
the shared pages until no other publish has committed meanwhile. Nothing of another run is
ever written or deleted, ``latest`` is overwritten in place (never deleted first), so there
is no moment without one, and the run folder is only read: it opens from disk exactly as
before. When uploads fail after the reports were made, the staging folder is kept (per user,
in the temporary folder) and the next publish of the run to that target completes those
reports instead of making new ones, so it uploads only what is missing.
"""

from __future__ import annotations

import dataclasses
import functools
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from runner.publish.headers import headers_for
from runner.publish.index import RunEntry, entry_from_run, report_of
from runner.publish.layout import (
    HISTORY_FILE,
    INDEX_JSON,
    INDEX_PAGE,
    LATEST_DIR,
    LATEST_PAGE,
    entry_key,
    run_root,
)
from runner.publish.local_target import LocalTarget
from runner.publish.notify import notify_published
from runner.publish.site import load_index, opened_from_disk, publish_site
from runner.publish.staging import Staging, kept_folder, stage_reports
from runner.publish.target import PublishError, RemoteObject, Target, Upload
from runner.publish.targets import open_target
from runner.publish.trace_site import viewer_uploads
from runner.publish.uploads import Log, collect_files, plan_uploads, put_all, stderr
from runner.report.allure import generate_report
from runner.run.folder import NotARunFolder
from runner.run.summary import RunSummary
from runner.settings import Settings

__all__ = ["PublishError", "PublishResult", "publish_run", "open_target"]

MAX_PRESIGN_SECONDS = 7 * 24 * 3600  # the longest a SigV4 presigned URL may live


@dataclass(frozen=True)
class PublishResult:
    run_id: str
    target: str
    url: str | None  # the report (presigned with --presign); None when the run has no report
    index_url: str
    latest_url: str | None
    uploaded: int
    skipped: int
    bytes_uploaded: int
    site_updates: int
    dry_run: bool = False
    view: str | None = None  # the `e2e serve` command that opens the report, when no URL does
    notes: tuple[str, ...] = ()

    def links(self) -> list[str]:
        """What to print after a publish: every line a link or a command that opens."""
        lines = []
        if self.url:
            lines.append(f"report: {self.url}")
        lines.append(f"index:  {self.index_url}")
        if self.view:
            lines.append(f"view:   {self.view}   (with your AWS credentials)")
        return [*lines, *self.notes]


@dataclass
class _Plan:
    """Everything a publish will write: the run folder's files (``uploads`` first), then the
    reports made for the target (``report_uploads``), then the run's entry."""

    summary: RunSummary
    uploads: list[Upload]
    skipped: list[str]
    entry: RunEntry
    entry_upload: Upload
    entry_changed: bool
    report_uploads: list[Upload] = field(default_factory=list)


@dataclass
class _Reading:
    """What a publish reads of the run and of its own folder on the target: all the run
    folder's upload needs."""

    summary: RunSummary
    remote: dict[str, RemoteObject]
    files: dict[str, Path]


@dataclass
class _IndexReading:
    """What a publish reads of the target's index: the runs committed (``listing``: run id ->
    ETag of its entry) and the branch's previous run, whose history the site report carries."""

    listing: dict[str, str]
    previous: RunEntry | None


def _read(target: Target, run_dir: Path, summary: RunSummary) -> _Reading:
    """The run folder's files, found while the run's objects on the target are listed."""
    with ThreadPoolExecutor(1, thread_name_prefix="e2e-publish-walk") as pool:
        files = pool.submit(collect_files, run_dir)
        remote = target.list(run_root(summary.run_id))
        return _Reading(summary, remote, files.result())


def _read_index(target: Target, summary: RunSummary) -> _IndexReading:
    index, listing = load_index(target)
    return _IndexReading(listing, index.previous_of(summary.run_id, summary.branch, summary.started_at))


def _run_uploads(reading: _Reading) -> tuple[list[Upload], list[str]]:
    return plan_uploads(reading.summary.run_id, reading.files, reading.remote)


def _plan(
    reading: _Reading,
    index: _IndexReading,
    run_uploads: tuple[list[Upload], list[str]],
    reports: dict[str, Path] | None = None,
) -> _Plan:
    """The writes of a publish: the run folder's (``run_uploads``, from ``_run_uploads``), then
    the reports staged (``reports``; None: none made), then the run's entry."""
    run_id = reading.summary.run_id
    uploads, skipped = run_uploads
    report_uploads, report_skipped = plan_uploads(run_id, reports or {}, reading.remote)
    published = (
        set(reading.files) | set(reports or {}) | {key[len(run_root(run_id)) :] for key in reading.remote}
    )
    entry = entry_from_run(reading.summary, published_files=published)
    entry_upload = Upload.from_bytes(entry_key(run_id), entry.to_bytes())
    changed = index.listing.get(run_id) != entry_upload.etag
    return _Plan(
        reading.summary, uploads, skipped + report_skipped, entry, entry_upload, changed, report_uploads
    )


def _upload_while_staging(
    target: Target,
    reading: _Reading,
    staging: Staging,
    *,
    single_file: bool,
    viewer: list[Upload],
    log: Log,
) -> tuple[_Plan, int]:
    """Upload the run folder's files (and the trace viewer's that the target lacks, shared by
    every run) while the target's index is read and the reports are made (Allure runs in a
    process of its own; the uploads wait on the network), then the reports. Returns the plan
    and the bytes sent. The run folder's upload needs only the run's own listing, so it starts
    first; the index (the branch's previous run, for the site report's history) is read in the
    reports' thread. The history, which says the site report is on the target
    (``stage_reports``), goes up only after every other file: a publish cut off halfway makes
    the report again.

    The uploads run in this (the main) thread, so Ctrl-C cancels them at once, as it would
    without the overlap; the index and the reports are read and made in a thread of their own."""

    def index_then_reports() -> _IndexReading:
        index = _read_index(target, reading.summary)
        stage_reports(
            staging,
            target,
            index.previous,
            reading.remote,
            run_id=reading.summary.run_id,
            run_files=reading.files,
            single_file=single_file,
        )
        return index

    with ThreadPoolExecutor(1, thread_name_prefix="e2e-publish-reports") as pool:
        staged = pool.submit(index_then_reports)
        run_uploads = _run_uploads(reading)
        label = "upload (run folder and trace viewer)" if viewer else "upload (run folder)"
        sent = put_all(target, run_uploads[0] + viewer, log=log, label=label)
        index = staged.result()  # its PublishError, when a report that must be there could not be made
    plan = _plan(reading, index, run_uploads, staging.files)
    marker = f"{run_root(plan.summary.run_id)}{HISTORY_FILE}"
    reports = [u for u in plan.report_uploads if u.key != marker]
    sent += put_all(target, reports, log=log, label="upload (reports)")
    sent += put_all(target, [u for u in plan.report_uploads if u.key == marker], log=None)
    return plan, sent


def _print_plan(plan: _Plan, reading: _Reading, index: _IndexReading, out: Log) -> None:
    if f"{run_root(plan.summary.run_id)}{HISTORY_FILE}" not in reading.remote:
        source = f"run {index.previous.run_id}" if index.previous else "nothing (first run of the branch)"
        out(f"would generate the site report with history from {source}")
    for upload in plan.uploads:
        headers = headers_for(upload.key)
        out(f"PUT {upload.key} ({upload.size} bytes, {headers.content_type}, {headers.cache_control})")
    for key in plan.skipped:
        out(f"skip {key} (unchanged)")
    if plan.entry_changed:
        out(f"PUT {plan.entry_upload.key} (the run's index entry)")
    out(f"then rebuild {INDEX_PAGE}, {INDEX_JSON} and {LATEST_DIR} where they change")


def _report_key(target: Target, plan: _Plan) -> str | None:
    return report_of(plan.entry, single_file=opened_from_disk(target))


def _report_url(target: Target, plan: _Plan, presign: int | None) -> str | None:
    if presign is not None:
        if not plan.entry.report_single_file:
            raise PublishError(f"run {plan.summary.run_id} has no single-file report to presign.")
        return target.presigned_url(plan.entry.report_single_file, presign)
    report = _report_key(target, plan)
    return target.url(report) if report else None


def publish_run(
    target: Target,
    run_dir: Path,
    settings: Settings,
    *,
    presign: int | None = None,
    dry_run: bool = False,
    log: Log | None = None,
    out: Log | None = None,
) -> PublishResult:
    """Publish one run folder to ``target``; raises PublishError (with what to do).

    The run folder is only read. ``presign`` (seconds) makes ``result.url`` a presigned URL
    of a single-file report, which opens from a private bucket with every screenshot.
    ``out`` receives the dry-run plan.
    """
    log = log or stderr
    out = out or (lambda line: print(line, flush=True))
    run_dir = Path(run_dir)
    if presign is not None and not 1 <= presign <= MAX_PRESIGN_SECONDS:
        raise PublishError(f"--presign {presign}: a presigned URL lives 1 to {MAX_PRESIGN_SECONDS} seconds.")
    try:
        summary = RunSummary.read(run_dir)
    except NotARunFolder as exc:
        raise PublishError(str(exc)) from exc
    if presign is not None and isinstance(target, LocalTarget):
        target.presigned_url("", presign)  # raises the explanation
    target.preflight()
    log(f"publish: run {run_dir.name} -> {target.description}")
    single_file = presign is not None or opened_from_disk(target)
    reading = _read(target, run_dir, summary)
    if dry_run:
        index = _read_index(target, summary)
        plan = _plan(reading, index, _run_uploads(reading))
        _print_plan(plan, reading, index, out)
        return _result(target, plan, url=None, dry_run=True)
    with tempfile.TemporaryDirectory(prefix="e2e-publish-") as tmp:
        staging = Staging(
            run_dir,
            Path(tmp) / "staging",
            functools.partial(generate_report, run_dir, settings, background=True),
            required=presign is not None,
            log=log,
            kept=kept_folder(summary.run_id, target),
        )
        # A file:// site cannot run the viewer: its traces are linked as zips.
        viewer = [] if opened_from_disk(target) else viewer_uploads(target)
        try:
            plan, sent = _upload_while_staging(
                target, reading, staging, single_file=single_file, viewer=viewer, log=log
            )
        except PublishError:
            # The reports made (some of them perhaps uploaded) wait for the next publish of the
            # run to this target, which then uploads only what is missing.
            staging.keep(summary.run_id)
            raise
    if plan.entry_changed:
        put_all(target, [plan.entry_upload], log=None)
    log(
        f"publish: {len(plan.uploads) + len(plan.report_uploads)} files uploaded, {len(plan.skipped)} unchanged"
    )
    index, site_writes = publish_site(target, log=log)
    if site_writes:
        log(f"publish: index updated ({site_writes} pages)")
    result = _result(target, plan, url=_report_url(target, plan, presign), sent=sent, site_writes=site_writes)
    if settings.notify_url and settings.shard is None:  # the team told once per run, never per shard
        notify_published(
            target,
            plan.entry,
            index,
            url=settings.notify_url,
            notify_on=settings.notify_on,
            report_link=result.url or result.index_url,
            warn=log,
        )
    report = _report_key(target, plan)
    note = target.credentials_note(presign) if presign is not None else None
    return dataclasses.replace(
        result,
        view=target.view_command(report or INDEX_PAGE) if presign is None else None,
        notes=(note,) if note else (),
    )


def _result(
    target: Target,
    plan: _Plan,
    *,
    url: str | None,
    sent: int = 0,
    site_writes: int = 0,
    dry_run: bool = False,
) -> PublishResult:
    return PublishResult(
        run_id=plan.summary.run_id,
        target=target.description,
        url=url,
        index_url=target.url(INDEX_PAGE),
        latest_url=None if dry_run else target.url(LATEST_PAGE),
        uploaded=0 if dry_run else len(plan.uploads) + len(plan.report_uploads) + int(plan.entry_changed),
        skipped=len(plan.skipped),
        bytes_uploaded=sent,
        site_updates=site_writes,
        dry_run=dry_run,
    )
