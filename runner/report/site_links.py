"""A multi-file Allure report that shows the run folder's own attachments instead of copies.

Allure 3 copies every attachment into ``data/attachments/<id><ext>`` of a multi-file report,
and its app fetches each one as that path relative to the page, from the ``id`` and ``ext``
of the links in ``data/test-results/<id>.json``. A published run folder holds the very same
files under ``allure-results/`` next to the report, so the copies are a second upload of
every screenshot, trace and video. ``link_to_results`` points each link at the run folder's
file instead (a relative URL: its ``..`` segments resolve against the page) and removes the
copy; a link whose file is not published beside the report keeps its copy.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from runner.run.folder import ALLURE_RESULTS

ATTACHMENTS_DIR = "data/attachments"
TEST_RESULTS_DIR = "data/test-results"
# Where the app fetches an attachment from, relative to the report's folder.
_UP_FROM_ATTACHMENTS = "../" * len(PurePosixPath(ATTACHMENTS_DIR).parts)


class SiteLinkError(Exception):
    pass


@dataclass(frozen=True)
class Linked:
    links: int  # attachment links pointed at the run folder's files
    copies_removed: int
    copies_kept: int


def _link_target(link: dict, to_results: str, published: Collection[str]) -> tuple[str, str] | None:
    """The link's new (id, ext): the run folder's own file, when it is published."""
    source = link.get("originalFileName")
    if not isinstance(source, str) or "/" in source or source.startswith(".") or link.get("missed"):
        return None
    if f"{ALLURE_RESULTS}/{source}" not in published:
        return None
    ext = link.get("ext") or ""
    stem = source[: -len(ext)] if ext and source.endswith(ext) else source
    return f"{_UP_FROM_ATTACHMENTS}{to_results}{stem}", ext if stem != source else ""


def _relink(node: object, to_results: str, published: Collection[str], moved: dict[str, bool]) -> int:
    """Rewrites the attachment links under ``node`` in place; returns how many."""
    count = 0
    if isinstance(node, dict):
        link = node.get("link")
        if node.get("type") == "attachment" and isinstance(link, dict) and isinstance(link.get("id"), str):
            old = f"{link['id']}{link.get('ext') or ''}"
            new = _link_target(link, to_results, published)
            if new is None:
                moved[old] = False  # some link still needs the copy
            else:
                link["id"], link["ext"] = new
                moved.setdefault(old, True)
                count += 1
        for value in node.values():
            count += _relink(value, to_results, published, moved)
    elif isinstance(node, list):
        for value in node:
            count += _relink(value, to_results, published, moved)
    return count


def link_to_results(report_dir: Path, *, to_results: str, published: Collection[str]) -> Linked:
    """Point the report's attachment links at the run folder's ``allure-results/`` files.

    ``to_results`` is the path from the report's folder to the run folder's results folder
    as the site lays them out (``"../allure-results/"`` for ``runs/<id>/report/``);
    ``published`` the run-relative paths published beside the report. Copies that no link
    needs any more are removed.
    """
    if not to_results.endswith("/") or to_results.startswith("/"):
        raise SiteLinkError(f"to_results {to_results!r}: a relative folder path ending in '/' is expected")
    results_dir = report_dir / TEST_RESULTS_DIR
    moved: dict[str, bool] = {}
    links = 0
    for path in sorted(results_dir.glob("*.json")) if results_dir.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SiteLinkError(f"{path}: not a test result Allure wrote ({exc})") from exc
        count = _relink(data, to_results, published, moved)
        if count:
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
            os.replace(tmp, path)
            links += count
    removed = kept = 0
    attachments = report_dir / ATTACHMENTS_DIR
    for name, unused in moved.items():
        copy = attachments / name
        if unused and copy.is_file():
            copy.unlink()
            removed += 1
        elif not unused:
            kept += 1
    return Linked(links=links, copies_removed=removed, copies_kept=kept)
