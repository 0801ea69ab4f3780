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

import base64
import hashlib
import json
import os
import re
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


# Allure 3.18's app (two copies of web-commons' ``reportDataUrl`` in one bundle): with
# ``allureReportData`` set it reads every path from memory, as the single-file report does.
# Attachments are left to the network, so the site report's data can be one script while
# its attachments stay the run folder's files.
IN_MEMORY_CHECK = 'if(globalThis.allureReportData){const[n]=e.split("?");'
IN_MEMORY_BUT_ATTACHMENTS = (
    f'if(globalThis.allureReportData&&!e.startsWith("{ATTACHMENTS_DIR}/")){{const[n]=e.split("?");'
)
_APP_SCRIPT = re.compile(r'<script\s+src="(app-[0-9a-f]+\.js)"></script>')
# The data the app fetches, one small JSON file per scenario and widget.
BUNDLED_DIRS = ("data", "widgets")


def _patch_app(report_dir: Path, app: str) -> None:
    path = report_dir / app
    code = path.read_text(encoding="utf-8")
    count = code.count(IN_MEMORY_CHECK)
    if count != 2:
        raise SiteLinkError(
            f"{path}: the report app's data loader is not the one this runner knows ({count} of 2 places "
            "found); this Allure version needs a new rewrite in runner/report/site_links.py."
        )
    path.write_text(code.replace(IN_MEMORY_CHECK, IN_MEMORY_BUT_ATTACHMENTS), encoding="utf-8")


def bundle_data(report_dir: Path) -> int:
    """The report's data files (``data/`` but its attachments, ``widgets/``) as one script,
    ``data-<digest>.js``, loaded before the app: thousands of objects become one. Returns
    how many files went into it."""
    if not any((report_dir / folder).is_dir() for folder in BUNDLED_DIRS):
        return 0  # no data to bundle (not a report of Allure's multi-file form)
    index = report_dir / "index.html"
    page = index.read_text(encoding="utf-8")
    app = _APP_SCRIPT.search(page)
    if app is None:
        raise SiteLinkError(f"{index}: no app script found; this Allure version needs a new rewrite")
    data: dict[str, str] = {}
    for folder in BUNDLED_DIRS:
        for path in sorted((report_dir / folder).rglob("*")):
            rel = path.relative_to(report_dir).as_posix()
            if path.is_file() and not rel.startswith(f"{ATTACHMENTS_DIR}/"):
                data[rel] = base64.b64encode(path.read_bytes()).decode("ascii")
    script = f"window.allureReportData = {json.dumps(data, separators=(',', ':'))};\n".encode()
    name = f"data-{hashlib.sha256(script).hexdigest()[:20]}.js"
    (report_dir / name).write_bytes(script)
    _patch_app(report_dir, app[1])
    tag = f'<script src="{name}"></script>\n    {app[0]}'
    index.write_text(page[: app.start()] + tag + page[app.end() :], encoding="utf-8")
    for rel in data:
        (report_dir / rel).unlink()
    for folder in BUNDLED_DIRS:
        for path in [*sorted((report_dir / folder).rglob("*"), reverse=True), report_dir / folder]:
            if path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    return len(data)
