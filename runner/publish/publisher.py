"""`e2e publish`: copy a run folder to a target and update that target's index and `latest`.

The layout under the publish root (``s3://<bucket>/<prefix>/`` or a local folder)::

    index.html                     every run, newest first, failures inline for triage
    latest/index.html              redirects to the newest run's report
    latest/<branch>/index.html     ... and to the newest run of each branch
    entries/<run-id>.json          one small immutable entry per run: the index's source of truth
    runs/index.json                cache of all entries (derived; rebuilt from a LIST of entries/)
    runs/<run-id>/...              the run folder: run.json, allure-results, evidence,
                                   junit.xml, cucumber.json; and, made for the site:
      report/                      the multi-file Allure report with the branch's history
      history.jsonl                Allure history including this run (the next run carries it)
      report-single-file/          the run's own one-file report (``report/`` in the run folder)

Order of a publish, chosen so a crash at any point leaves a consistent site: check the
target (read only) -> upload the run folder's changed files in parallel *while* the site's
report is made into a staging folder (Allure history carried from the previous run of the
same branch; once: skipped when the target has it; Allure runs in a process of its own, so
the two overlap) -> upload the reports' changed files -> write the run's entry (the commit
point: before it the run is invisible) -> rebuild the shared pages until no other publish has
committed meanwhile. Nothing of another run is ever written or deleted, ``latest`` is
overwritten in place (never deleted first), so there is no moment without one, and the
run folder is only read: it opens from disk exactly as before. When uploads fail after
the reports were made, the staging folder is kept (per user, in the temporary folder) and
the next publish of the run to that target completes those reports instead of making new
ones, so it uploads only what is missing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from runner.publish.headers import headers_for
from runner.publish.index import (
    ENTRIES_DIR,
    INDEX_JSON,
    INDEX_PAGE,
    LATEST_DIR,
    LATEST_PAGE,
    RunEntry,
    RunIndex,
    entry_from_run,
    entry_key,
    latest_pages,
    listed_run_ids,
    merge,
    parse_index_json,
    report_of,
    run_root,
    run_target,
    stale_ids,
)
from runner.publish.pages import render_index, render_latest
from runner.publish.progress import Progress
from runner.publish.targets import LocalTarget, PublishError, RemoteObject, Target, Upload, open_target
from runner.report.allure import generate_report
from runner.run.folder import ALLURE_RESULTS, REPORT_DIR, RUN_JSON, NotARunFolder
from runner.run.summary import RunSummary
from runner.settings import Settings

__all__ = ["PublishError", "PublishResult", "publish_run", "open_target"]

HISTORY_FILE = "history.jsonl"
SITE_REPORT_DIR = "report"
SINGLE_FILE_DIR = "report-single-file"
# Allure's trend charts show the last runs; carrying an unbounded file from run to run would
# make every publish slower than the last.
HISTORY_KEEP = 30
SITE_ROUNDS = 8
# The reports of a publish that was cut off, kept for the next one (see ``_Staging``).
KEPT_MANIFEST = "kept.json"
KEPT_DAYS = 7
INDEX_TITLE = "End-to-end test runs"
MAX_PRESIGN_SECONDS = 7 * 24 * 3600  # the longest a SigV4 presigned URL may live

Log = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


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


# --------------------------------------------------------------------------- the run's files


def collect_files(run_dir: Path) -> dict[str, Path]:
    """Run-relative path -> file of what the run folder publishes as it is.

    Its own ``report/`` is published as ``report-single-file/`` (the site's ``report/`` is the
    multi-file one). Hidden files (temporary ones) and links leading out of the run folder
    are not published.
    """
    root = run_dir.resolve()
    files: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            real = path.resolve()
            if not real.is_file() or (real != root and root not in real.parents):
                continue
            rel = path.relative_to(root).as_posix()
            if rel.startswith(f"{REPORT_DIR}/"):
                rel = SINGLE_FILE_DIR + rel[len(REPORT_DIR) :]
            files[rel] = path
    return files


def _truncate_history(data: bytes) -> bytes:
    lines = [line for line in data.splitlines() if line.strip()]
    return b"".join(line + b"\n" for line in lines[-HISTORY_KEEP:])


def _fingerprint(run_dir: Path) -> str:
    """What the reports of a run are made from: its run.json and its Allure results."""
    digest = hashlib.sha256((run_dir / RUN_JSON).read_bytes())
    results = run_dir / ALLURE_RESULTS
    for path in sorted(results.rglob("*")) if results.is_dir() else []:
        if path.is_file():
            info = path.stat()
            rel = path.relative_to(results).as_posix()
            digest.update(f"{rel}\0{info.st_size}\0{info.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def kept_folder(run_id: str, target: Target) -> Path | None:
    """Where the reports made by a publish that was cut off wait for the next publish of the
    same run to the same target: a folder of this user's own in the temporary folder (None
    when there is no such folder that only this user may write)."""
    base = Path(tempfile.gettempdir()) / f"e2e-publish-kept-{os.getuid()}"
    try:
        base.mkdir(mode=0o700, exist_ok=True)
        info = base.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None
    where = hashlib.sha256(target.description.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return base / f"{run_id}-{where}"


@dataclass
class _Staging:
    """Reports made for this target, in a folder of their own (never in the run folder).

    A publish cut off while uploading keeps them (``keep``) for the next publish of the run
    to the target (``take_kept``): part of them is on the target already, and a report made
    again differs (Allure stamps each generation with an id and a time), so making it again
    would upload again what was done.
    """

    run_dir: Path
    folder: Path
    settings: Settings
    required: bool
    log: Log
    files: dict[str, Path] = field(default_factory=dict)
    kept: Path | None = None

    def take_kept(self, run_id: str, *, site: bool, single: bool) -> tuple[bool, bool]:
        """Take over the reports kept by a cut-off publish, the parts still wanted; returns
        which parts (site, single file) were taken. The kept folder is consumed either way."""
        taken = (False, False)
        if self.kept is not None and not self.folder.exists():
            try:
                os.rename(self.kept, self.folder)  # atomic: of two publishes, one takes it
            except OSError:
                pass
            else:
                taken = self._adopt(run_id, site=site, single=single)
        self.folder.mkdir(parents=True, exist_ok=True)
        return taken

    def _adopt(self, run_id: str, *, site: bool, single: bool) -> tuple[bool, bool]:
        try:
            manifest = json.loads((self.folder / KEPT_MANIFEST).read_text(encoding="utf-8"))
            usable = manifest["run_id"] == run_id and manifest["fingerprint"] == _fingerprint(self.run_dir)
            parts = set(manifest["parts"]) if usable else set()
        except (OSError, ValueError, KeyError, TypeError):
            parts = set()
        got_site = site and SITE_REPORT_DIR in parts and (self.folder / HISTORY_FILE).is_file()
        got_single = single and SINGLE_FILE_DIR in parts
        for entry in list(self.folder.iterdir()):
            wanted = (got_site and entry.name in {SITE_REPORT_DIR, HISTORY_FILE}) or (
                got_single and entry.name == SINGLE_FILE_DIR
            )
            if wanted:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        if got_site:
            self._add(SITE_REPORT_DIR)
            self.files[HISTORY_FILE] = self.folder / HISTORY_FILE
        if got_single:
            self._add(SINGLE_FILE_DIR)
        if got_site or got_single:
            self.log(f"reports: taking over those made by the publish that was cut off ({self.kept})")
        return got_site, got_single

    def keep(self, run_id: str) -> None:
        """Keep the reports made (when there are any) for the next publish; best effort."""
        if self.kept is None or not self.files:
            return
        parts = sorted({rel.split("/", 1)[0] for rel in self.files} & {SITE_REPORT_DIR, SINGLE_FILE_DIR})
        try:
            manifest = {"run_id": run_id, "fingerprint": _fingerprint(self.run_dir), "parts": parts}
            (self.folder / KEPT_MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
            shutil.rmtree(self.kept, ignore_errors=True)
            os.rename(self.folder, self.kept)
        except OSError:
            return
        self.log(f"reports: kept in {self.kept} for the next publish of this run")
        self._prune()

    def _prune(self) -> None:
        assert self.kept is not None
        cutoff = time.time() - KEPT_DAYS * 86400
        for other in self.kept.parent.iterdir():
            try:
                if other != self.kept and other.lstat().st_mtime < cutoff:
                    shutil.rmtree(other, ignore_errors=True)
            except OSError:
                pass

    def give_up(self, message: str, exc: BaseException | None = None) -> None:
        if self.required:
            raise PublishError(message) from exc
        self.log(f"warning: {message}; publishing the run without it")

    def site_report(self, history: bytes) -> None:
        """The multi-file report with the branch's history, and the history with this run."""
        history_path = self.folder / HISTORY_FILE
        history_path.write_bytes(history)
        try:
            generate_report(
                self.run_dir, self.settings, output=self.folder / SITE_REPORT_DIR, history_path=history_path
            )
        except Exception as exc:  # noqa: BLE001 - the run is still worth publishing without it
            return self.give_up(f"generating the site report of {self.run_dir} failed: {exc}", exc)
        self._add(SITE_REPORT_DIR)
        self.files[HISTORY_FILE] = history_path
        return None

    def single_file_report(self) -> None:
        try:
            generate_report(
                self.run_dir, self.settings, output=self.folder / SINGLE_FILE_DIR, single_file=True
            )
        except Exception as exc:  # noqa: BLE001
            return self.give_up(f"generating the single-file report of {self.run_dir} failed: {exc}", exc)
        self._add(SINGLE_FILE_DIR)
        return None

    def _add(self, sub: str) -> None:
        for path in sorted((self.folder / sub).rglob("*")):
            if path.is_file():
                self.files[path.relative_to(self.folder).as_posix()] = path


def stage_reports(
    staging: _Staging,
    target: Target,
    previous: RunEntry | None,
    remote: dict[str, RemoteObject],
    *,
    run_id: str,
    run_files: dict[str, Path],
    single_file: bool,
) -> None:
    """Make the reports this target lacks: the site report (once per run and target: the
    history it was made with is on the target) and, when needed and the run has none of its
    own, a single-file report."""
    # The run's id from its run.json, not its folder's name: a copied or renamed run folder
    # is still that run.
    root = run_root(run_id)
    single_key = f"{SINGLE_FILE_DIR}/index.html"
    need_site = f"{root}{HISTORY_FILE}" not in remote
    need_single = single_file and single_key not in run_files and f"{root}{single_key}" not in remote
    has_site, has_single = staging.take_kept(run_id, site=need_site, single=need_single)
    results = staging.run_dir / ALLURE_RESULTS
    if not results.is_dir() or not any(results.iterdir()):
        return staging.give_up(f"{staging.run_dir}: no {ALLURE_RESULTS}, so no report can be made")
    if need_site and not has_site:
        carried = b""
        if previous is not None and previous.history:
            carried = _truncate_history(target.read(previous.history) or b"")
            staging.log(
                f"history: carried from run {previous.run_id} ({len(carried.splitlines())} earlier runs)"
            )
        else:
            staging.log("history: no earlier run of this branch with history; trends start here")
        staging.site_report(carried)
    if need_single and not has_single:
        staging.single_file_report()
    return None


# --------------------------------------------------------------------------- the index


def _list_entries(target: Target) -> dict[str, str]:
    """Run id -> ETag of its entry object, from a LIST of entries/."""
    objects = target.list(ENTRIES_DIR)
    return {run_id: objects[key].etag for run_id, key in listed_run_ids(objects).items()}


def load_index(target: Target, listing: dict[str, str] | None = None) -> tuple[RunIndex, dict[str, str]]:
    """Every committed run: a LIST of entries/ (unless ``listing`` is one just taken), the
    cached runs/index.json, and a GET of each entry the cache does not know (in parallel)."""
    if listing is None:
        listing = _list_entries(target)
    cached = parse_index_json(target.read(INDEX_JSON))
    missing = stale_ids(listing, cached)

    def fetch(run_id: str) -> tuple[str, tuple[str, RunEntry] | None]:
        data = target.read(entry_key(run_id))
        if data is None:
            return run_id, None
        try:
            return run_id, (listing[run_id], RunEntry.from_dict(json.loads(data)))
        except (ValueError, TypeError, KeyError):
            return run_id, None  # a damaged entry hides one run, not the whole index

    fetched: dict[str, tuple[str, RunEntry]] = {}
    if missing:
        with ThreadPoolExecutor(max_workers=8) as pool:
            for run_id, pair in pool.map(fetch, missing):
                if pair is not None:
                    fetched[run_id] = pair
    return merge(listing, cached, fetched), listing


def _site_pages(index: RunIndex, *, single_file: bool) -> list[Upload]:
    pages = [
        Upload.from_bytes(INDEX_PAGE, render_index(index, title=INDEX_TITLE, single_file=single_file)),
        Upload.from_bytes(INDEX_JSON, index.to_bytes()),
    ]
    for key, entry in sorted(latest_pages(index).items()):
        page = render_latest(key, entry, title=INDEX_TITLE, single_file=single_file)
        pages.append(Upload.from_bytes(key, page, redirect=run_target(entry, single_file=single_file)))
    return pages


def _opened_from_disk(target: Target) -> bool:
    return isinstance(target, LocalTarget)


def publish_site(target: Target, *, log: Log, rounds: int = SITE_ROUNDS) -> tuple[RunIndex, int]:
    """Rebuild the shared pages from the committed entries until no publish committed meanwhile.

    Whoever writes last has LISTed after its write and found nothing new, so the pages it
    wrote hold every run committed before that LIST; a run committed later is published by
    a process that rebuilds after it. Returns the index and the number of objects written.
    """
    writes = 0
    index = RunIndex()
    listing: dict[str, str] | None = None
    for _ in range(rounds):
        index, listing = load_index(target, listing)
        pages = _site_pages(index, single_file=_opened_from_disk(target))
        remote = {key: obj.etag for key, obj in target.list(LATEST_DIR).items()}
        for key in (INDEX_PAGE, INDEX_JSON):
            found = target.stat(key)
            if found is not None:
                remote[key] = found.etag
        changed = [page for page in pages if remote.get(page.key) != page.etag]
        if changed:
            _put_all(target, changed, log=None)
            writes += len(changed)
        # This LIST is also the next round's: nothing happens in between to make it stale.
        after = _list_entries(target)
        if after == listing:
            return index, writes
        listing = after
        log("index: another publish committed meanwhile; rebuilding")
    log(f"warning: index still changing after {rounds} rounds; the next publish will complete it")
    return index, writes


# --------------------------------------------------------------------------- uploading


def _put_all(
    target: Target,
    uploads: list[Upload],
    *,
    log: Log | None,
    label: str = "upload",
) -> int:
    """Upload all, or raise PublishError saying what failed."""
    if not uploads:
        return 0
    total = sum(u.size for u in uploads)
    progress = None
    if log is not None:
        progress = Progress(label, len(uploads), total, log=None if log is _stderr else log)
    report = target.put(uploads, progress.add_bytes if progress else None)
    if report.failed:
        key, exc = next(iter(report.failed.items()))
        error = target.explain(exc, f"uploading {key}")
        raise PublishError(
            f"{error} ({len(report.failed)} of {len(uploads)} uploads failed.) The local run folder is "
            "unchanged; publish again to resume: files already uploaded are skipped."
        ) from exc
    if progress is not None:
        progress.finish(f"{len(uploads)} files, {total / 1_048_576:.1f} MB")
    return total


def plan_uploads(
    run_id: str, files: dict[str, Path], remote: dict[str, RemoteObject]
) -> tuple[list[Upload], list[str]]:
    """What to upload: every file whose content differs from the object already there."""
    root = run_root(run_id)
    uploads: list[Upload] = []
    skipped: list[str] = []
    for rel, path in files.items():
        upload = Upload.from_file(root + rel, path)
        existing = remote.get(upload.key)
        if existing is not None and existing.etag == upload.etag and existing.size == upload.size:
            skipped.append(upload.key)
        else:
            uploads.append(upload)
    return uploads, skipped


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
    """What a publish reads before it writes: the run and the target's state."""

    summary: RunSummary
    listing: dict[str, str]
    previous: RunEntry | None
    remote: dict[str, RemoteObject]
    files: dict[str, Path]


def _read(target: Target, run_dir: Path, summary: RunSummary) -> _Reading:
    index, listing = load_index(target)
    previous = index.previous_of(summary.run_id, summary.branch, summary.started_at)
    remote = target.list(run_root(summary.run_id))
    return _Reading(summary, listing, previous, remote, collect_files(run_dir))


def _plan(reading: _Reading, reports: dict[str, Path] | None = None) -> _Plan:
    """The writes of a publish, given the reports staged (``reports``; None: none made)."""
    run_id = reading.summary.run_id
    uploads, skipped = plan_uploads(run_id, reading.files, reading.remote)
    report_uploads, report_skipped = plan_uploads(run_id, reports or {}, reading.remote)
    published = (
        set(reading.files) | set(reports or {}) | {key[len(run_root(run_id)) :] for key in reading.remote}
    )
    entry = entry_from_run(reading.summary, published_files=published)
    entry_upload = Upload.from_bytes(entry_key(run_id), entry.to_bytes())
    changed = reading.listing.get(run_id) != entry_upload.etag
    return _Plan(
        reading.summary, uploads, skipped + report_skipped, entry, entry_upload, changed, report_uploads
    )


def _upload_while_staging(
    target: Target, reading: _Reading, staging: _Staging, *, single_file: bool, log: Log
) -> tuple[_Plan, int]:
    """Upload the run folder's files while the reports are made (Allure runs in a process of
    its own; the uploads wait on the network), then the reports. Returns the plan and the
    bytes sent. The history, which says the site report is on the target (``stage_reports``),
    goes up only after every other file: a publish cut off halfway makes the report again.

    The uploads run in this (the main) thread, so Ctrl-C cancels them at once, as it would
    without the overlap; the reports are made in a thread of their own."""
    run_only = _plan(reading)
    with ThreadPoolExecutor(1, thread_name_prefix="e2e-publish-reports") as pool:
        staged = pool.submit(
            stage_reports,
            staging,
            target,
            reading.previous,
            reading.remote,
            run_id=reading.summary.run_id,
            run_files=reading.files,
            single_file=single_file,
        )
        sent = _put_all(target, run_only.uploads, log=log, label="upload (run folder)")
        staged.result()  # its PublishError, when a report that must be there could not be made
    plan = _plan(reading, staging.files)
    marker = f"{run_root(plan.summary.run_id)}{HISTORY_FILE}"
    reports = [u for u in plan.report_uploads if u.key != marker]
    sent += _put_all(target, reports, log=log, label="upload (reports)")
    sent += _put_all(target, [u for u in plan.report_uploads if u.key == marker], log=None)
    return plan, sent


def _print_plan(plan: _Plan, reading: _Reading, out: Log) -> None:
    if f"{run_root(plan.summary.run_id)}{HISTORY_FILE}" not in reading.remote:
        source = f"run {reading.previous.run_id}" if reading.previous else "nothing (first run of the branch)"
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
    return report_of(plan.entry, single_file=_opened_from_disk(target))


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
    log = log or _stderr
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
    single_file = presign is not None or _opened_from_disk(target)
    reading = _read(target, run_dir, summary)
    if dry_run:
        plan = _plan(reading)
        _print_plan(plan, reading, out)
        return _result(target, plan, url=None, dry_run=True)
    with tempfile.TemporaryDirectory(prefix="e2e-publish-") as tmp:
        staging = _Staging(
            run_dir,
            Path(tmp) / "staging",
            settings,
            required=presign is not None,
            log=log,
            kept=kept_folder(summary.run_id, target),
        )
        try:
            plan, sent = _upload_while_staging(target, reading, staging, single_file=single_file, log=log)
        except PublishError:
            # The reports made (some of them perhaps uploaded) wait for the next publish of the
            # run to this target, which then uploads only what is missing.
            staging.keep(summary.run_id)
            raise
    if plan.entry_changed:
        _put_all(target, [plan.entry_upload], log=None)
    log(
        f"publish: {len(plan.uploads) + len(plan.report_uploads)} files uploaded, {len(plan.skipped)} unchanged"
    )
    _, site_writes = publish_site(target, log=log)
    if site_writes:
        log(f"publish: index updated ({site_writes} pages)")
    result = _result(target, plan, url=_report_url(target, plan, presign), sent=sent, site_writes=site_writes)
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
