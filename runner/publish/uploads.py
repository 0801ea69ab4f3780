"""A run's files and their uploads: what a run folder publishes, what of it changed, and
putting a list of uploads on a target (with progress) or failing with what to do."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from runner.publish.layout import SINGLE_FILE_DIR, run_root
from runner.publish.progress import Progress
from runner.publish.target import PublishError, RemoteObject, Target, Upload
from runner.run.folder import REPORT_DIR

Log = Callable[[str], None]


def stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def collect_files(run_dir: Path) -> dict[str, Path]:
    """Run-relative path -> file of what the run folder publishes as it is.

    Its own ``report/`` is published as ``report-single-file/`` (the site's ``report/`` is the
    multi-file one). Hidden files (temporary ones) and links leading out of the run folder
    are not published; a linked folder is not entered. Only a link is resolved: a plain file
    found by walking the folder is inside it (thousands of files, one ``scandir`` a folder).
    """
    root = run_dir.resolve()
    files: dict[str, Path] = {}

    def walk(folder: Path, prefix: str) -> None:
        with os.scandir(folder) as found:
            entries = sorted((e for e in found if not e.name.startswith(".")), key=lambda e: e.name)
        folders = []
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                folders.append(entry)
                continue
            path = folder / entry.name
            if entry.is_symlink():
                real = path.resolve()
                if not real.is_file() or root not in real.parents:
                    continue
            elif not entry.is_file(follow_symlinks=False):
                continue
            rel = prefix + entry.name
            if rel.startswith(f"{REPORT_DIR}/"):
                rel = SINGLE_FILE_DIR + rel[len(REPORT_DIR) :]
            files[rel] = path
        for entry in folders:
            walk(folder / entry.name, f"{prefix}{entry.name}/")

    walk(root, "")
    return files


def put_all(
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
        progress = Progress(label, len(uploads), total, log=None if log is stderr else log)
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
        if upload.same_as(remote.get(upload.key)):
            skipped.append(upload.key)
        else:
            uploads.append(upload)
    return uploads, skipped
