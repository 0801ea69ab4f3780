"""`e2e publish`: copy a run folder to a target and update that target's index and `latest`.

The layout under the publish root (``s3://<bucket>/<prefix>/`` or a local folder)::

    index.html                     every run, newest first, failures inline for triage
    latest/index.html              redirects to the newest run's report
    latest/<branch>/index.html     ... and to the newest run of each branch
    entries/<run-id>.json          one small immutable entry per run: the index's source of truth
    runs/index.json                cache of all entries (derived; rebuilt from a LIST of entries/)
    runs/<run-id>/...              the run folder as it is on disk: run.json, allure-results,
                                   evidence, junit.xml, cucumber.json, report/, history.jsonl

Order of a publish, chosen so a crash at any point leaves a consistent site: check the
target (read only) -> carry Allure history from the previous run of the same branch and
(re)generate the report -> upload the run's changed files in parallel -> write the run's
entry (the commit point: before it the run is invisible) -> rebuild the shared pages until
no other publish has committed meanwhile. Nothing of another run is ever written or deleted,
and ``latest`` is overwritten in place (never deleted first), so there is no moment without one.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import click

from runner.publish.headers import headers_for
from runner.publish.progress import Progress
from runner.report.allure import generate_report
from runner.run import ALLURE_RESULTS, NotARunFolder, latest_run_dir, read_run_json
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
    render_index,
    render_latest,
    report_of,
    run_root,
    run_target,
    stale_ids,
)
from runner.settings import Settings, SettingsError, resolve
from runner.publish.targets import LocalTarget, PublishError, S3Target, Target, Upload

__all__ = ["PublishError", "PublishResult", "publish_command", "publish_run", "open_target"]

HISTORY_FILE = "history.jsonl"
# The history as it was before this run was added, kept so a single-file report made later
# (``--presign`` on an already published run) shows the same trends as the normal one.
HISTORY_BEFORE = ".history-before.jsonl"
SINGLE_FILE_DIR = "report-single-file"
# Allure's trend charts show the last runs; carrying an unbounded file from run to run would
# make every publish slower than the last.
HISTORY_KEEP = 30
SITE_ROUNDS = 8
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


def open_target(settings: Settings, to: Path | None = None) -> Target:
    """S3 when a bucket is configured, else (or with ``to``) a local folder, ``reports/site``."""
    if to is not None or not settings.report_bucket:
        return LocalTarget(Path(to) if to is not None else settings.reports_dir / "site")
    return S3Target(
        settings.report_bucket,
        settings.report_prefix,
        # The settings layer names overrides after the field; this command's flag is --bucket.
        bucket_source=settings.source_of("report_bucket").replace("--report-bucket", "--bucket"),
        public_url=settings.report_url,
    )


# --------------------------------------------------------------------------- the run's files


def collect_files(run_dir: Path) -> dict[str, Path]:
    """Run-relative path -> file. Hidden files (temporary ones) and links leading out of the
    run folder are not published."""
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
            files[path.relative_to(root).as_posix()] = path
    return files


def _truncate_history(data: bytes) -> bytes:
    lines = [line for line in data.splitlines() if line.strip()]
    return b"".join(line + b"\n" for line in lines[-HISTORY_KEEP:])


def prepare_reports(
    run_dir: Path,
    target: Target,
    previous: RunEntry | None,
    *,
    single_file: bool,
    required: bool,
    log: Log,
) -> None:
    """Regenerate the run's report with the history of the previous run of its branch, and
    make the single-file report when asked.

    Done once per run folder: ``history.jsonl`` marks it done, so publishing the same run
    again changes no byte and uploads nothing. With ``required`` (``--presign``, which is
    useless without a single-file report) a failure is an error; otherwise the run is
    published as it is, with a warning.
    """

    def give_up(message: str, exc: BaseException | None = None) -> None:
        if required:
            raise PublishError(message) from exc
        log(f"warning: {message}; publishing the run as it is")

    results = run_dir / ALLURE_RESULTS
    if not results.is_dir() or not any(results.iterdir()):
        return give_up(f"{run_dir}: no {ALLURE_RESULTS}, so no report can be made")

    history = run_dir / HISTORY_FILE
    before = run_dir / HISTORY_BEFORE
    if not history.exists():
        carried = b""
        if previous is not None and previous.history:
            carried = _truncate_history(target.read(previous.history) or b"")
            log(f"history: carried from run {previous.run_id} ({len(carried.splitlines())} earlier runs)")
        else:
            log("history: no earlier run of this branch with history; trends start here")
        before.write_bytes(carried)
        working = run_dir / ".history.jsonl.tmp"
        shutil.copyfile(before, working)
        try:
            generate_report(run_dir, history_path=working)
        except Exception as exc:
            working.unlink(missing_ok=True)
            return give_up(f"generating the report of {run_dir} failed: {exc}", exc)
        os.replace(working, history)

    single = run_dir / SINGLE_FILE_DIR / "index.html"
    if single_file and not single.exists():
        working = run_dir / ".history-single.jsonl.tmp"
        if before.exists():
            shutil.copyfile(before, working)
        else:
            working.write_bytes(b"")
        try:
            generate_report(run_dir, output=run_dir / SINGLE_FILE_DIR, single_file=True, history_path=working)
        except Exception as exc:
            return give_up(f"generating the single-file report of {run_dir} failed: {exc}", exc)
        finally:
            working.unlink(missing_ok=True)
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


def _put_all(target: Target, uploads: list[Upload], *, log: Log | None) -> int:
    if not uploads:
        return 0
    total = sum(u.size for u in uploads)
    progress = None
    if log is not None:
        progress = Progress("upload", len(uploads), total, log=None if log is _stderr else log)
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


def plan_uploads(target: Target, run_id: str, files: dict[str, Path]) -> tuple[list[Upload], list[str]]:
    """What to upload: every file whose content differs from the object already there."""
    root = run_root(run_id)
    remote = target.list(root)
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


def publish_run(
    settings: Settings,
    run_dir: Path,
    *,
    presign: int | None = None,
    to: Path | None = None,
    dry_run: bool = False,
    log: Log | None = None,
    out: Log | None = None,
) -> PublishResult:
    """Publish one run folder; raises PublishError (with what to do) and leaves the folder as it was.

    ``presign`` (seconds) makes ``result.url`` a presigned URL of a single-file report, which
    opens from a private bucket with every screenshot. ``out`` receives the dry-run plan.
    """
    log = log or _stderr
    out = out or (lambda line: print(line, flush=True))
    run_dir = Path(run_dir)
    try:
        run = read_run_json(run_dir)
    except NotARunFolder as exc:
        raise PublishError(str(exc)) from exc
    run_id = str(run["run_id"])
    branch = (run.get("metadata") or {}).get("branch")
    if presign is not None and not 1 <= presign <= MAX_PRESIGN_SECONDS:
        raise PublishError(f"--presign {presign}: a presigned URL lives 1 to {MAX_PRESIGN_SECONDS} seconds.")

    target = open_target(settings, to)
    if presign is not None and isinstance(target, LocalTarget):
        target.presigned_url("", presign)  # raises the explanation
    target.preflight()
    log(f"publish: run {run_id} -> {target.description}")

    index, listing = load_index(target)
    previous = index.previous_of(run_id, branch, run.get("started_at"))
    if dry_run:
        if not (run_dir / HISTORY_FILE).exists():
            source = f"run {previous.run_id}" if previous else "nothing (first run of the branch)"
            out(f"would regenerate the report with history from {source}")
    else:
        single_file = presign is not None or _opened_from_disk(target)
        prepare_reports(
            run_dir, target, previous, single_file=single_file, required=presign is not None, log=log
        )

    files = collect_files(run_dir)
    uploads, skipped = plan_uploads(target, run_id, files)
    # Read again: generating the report records it in run.json.
    entry = entry_from_run(read_run_json(run_dir), published_files=set(files))
    entry_upload = Upload.from_bytes(entry_key(run_id), entry.to_bytes())
    entry_changed = listing.get(run_id) != entry_upload.etag

    if dry_run:
        for upload in uploads:
            headers = headers_for(upload.key)
            out(f"PUT {upload.key} ({upload.size} bytes, {headers.content_type}, {headers.cache_control})")
        for key in skipped:
            out(f"skip {key} (unchanged)")
        if entry_changed:
            out(f"PUT {entry_upload.key} (the run's index entry)")
        out(f"then rebuild {INDEX_PAGE}, {INDEX_JSON} and {LATEST_DIR} where they change")
        return PublishResult(
            run_id=run_id,
            target=target.description,
            url=None,
            index_url=target.url(INDEX_PAGE),
            latest_url=None,
            uploaded=0,
            skipped=len(skipped),
            bytes_uploaded=0,
            site_updates=0,
            dry_run=True,
        )

    sent = _put_all(target, uploads, log=log)
    if entry_changed:
        _put_all(target, [entry_upload], log=None)
    log(f"publish: {len(uploads)} files uploaded, {len(skipped)} unchanged")
    _, site_writes = publish_site(target, log=log)
    if site_writes:
        log(f"publish: index updated ({site_writes} pages)")

    if presign is not None:
        if not entry.report_single_file:
            raise PublishError(f"run {run_id} has no single-file report to presign.")
        url: str | None = target.presigned_url(entry.report_single_file, presign)
    else:
        report = report_of(entry, single_file=_opened_from_disk(target))
        url = target.url(report) if report else None
    return PublishResult(
        run_id=run_id,
        target=target.description,
        url=url,
        index_url=target.url(INDEX_PAGE),
        latest_url=target.url(LATEST_PAGE),
        uploaded=len(uploads) + int(entry_changed),
        skipped=len(skipped),
        bytes_uploaded=sent,
        site_updates=site_writes,
    )


# --------------------------------------------------------------------------- command


@click.command("publish")
@click.argument("run_dir", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.option("--bucket", help="S3 bucket (overrides E2E_REPORT_BUCKET).")
@click.option("--prefix", help="Key prefix in the bucket (overrides E2E_REPORT_PREFIX; default e2e).")
@click.option(
    "--presign",
    type=click.IntRange(1, MAX_PRESIGN_SECONDS),
    is_flag=False,
    flag_value=3600,
    default=None,
    metavar="[SECONDS]",
    help="Print a presigned URL of a single-file report (default 3600 s), for private buckets.",
)
@click.option(
    "--to",
    "to",
    type=click.Path(path_type=Path, file_okay=False),
    help="Publish to this local folder instead (the default without a bucket: reports/site).",
)
@click.option("--dry-run", is_flag=True, help="Print what would be uploaded; change nothing.")
def publish_command(
    run_dir: Path | None,
    bucket: str | None,
    prefix: str | None,
    presign: int | None,
    to: Path | None,
    dry_run: bool,
) -> None:
    """Upload RUN_DIR (default: the newest run under reports/) and update the index and `latest`.

    Prints the report URL. Nothing of other runs is deleted or overwritten.
    """
    try:
        settings = resolve(None, {"report_bucket": bucket, "report_prefix": prefix})
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    if run_dir is None:
        run_dir = latest_run_dir(settings.reports_dir)
        if run_dir is None:
            raise click.ClickException(f"no run folder under {settings.reports_dir}; pass RUN_DIR.")
    try:
        result = publish_run(settings, run_dir, presign=presign, to=to, dry_run=dry_run)
    except PublishError as exc:
        raise click.ClickException(f"{exc}\nThe run folder {run_dir} is kept as it was.") from exc
    if result.dry_run:
        return
    _stderr(f"index:  {result.index_url}")
    if result.url:
        click.echo(result.url)
    else:
        _stderr(f"run {result.run_id} has no HTML report; its entry is in the index.")
