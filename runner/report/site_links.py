"""A multi-file Allure report that shows the run folder's own attachments instead of copies.

Allure 3 copies every attachment into ``data/attachments/<id><ext>`` of a multi-file report,
and its app fetches each one as that path relative to the page, from the ``id`` and ``ext``
of the links in ``data/test-results/<id>.json``. A published run folder holds the very same
files under ``allure-results/`` next to the report, so the copies are a second upload of
every screenshot, trace and video. ``make_publishable`` points each link at the run folder's
file instead (a relative URL: its ``..`` segments resolve against the page) and removes the
copy; a link whose file is not published beside the report keeps its copy. It also makes the
report's data files (one or two small JSON files per scenario) one script the app reads from
memory: each file is read once, its links rewritten in memory, and the files removed.
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
class Published:
    links: int  # attachment links pointed at the run folder's files
    copies_removed: int
    copies_kept: int
    bundled: int  # data files that went into the one script


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


def _patched_app(path: Path) -> str:
    """The app's code with its data loader leaving attachments to the network."""
    code = path.read_text(encoding="utf-8")
    count = code.count(IN_MEMORY_CHECK)
    if count != 2:
        raise SiteLinkError(
            f"{path}: the report app's data loader is not the one this runner knows ({count} of 2 places "
            "found); this Allure version needs a new rewrite in runner/report/site_links.py."
        )
    return code.replace(IN_MEMORY_CHECK, IN_MEMORY_BUT_ATTACHMENTS)


def _data_files(report_dir: Path) -> list[tuple[str, Path]]:
    """Run-relative path and file of every data file the app fetches (not the attachments)."""
    found = []
    for folder in BUNDLED_DIRS:
        for dirpath, dirnames, filenames in os.walk(report_dir / folder):
            here = Path(dirpath)
            rel_dir = here.relative_to(report_dir).as_posix()
            dirnames[:] = sorted(d for d in dirnames if f"{rel_dir}/{d}" != ATTACHMENTS_DIR)
            found += [(f"{rel_dir}/{name}", here / name) for name in sorted(filenames)]
    return found


def _relinked(
    rel: str, raw: bytes, to_results: str, published: Collection[str], moved: dict[str, bool]
) -> tuple[bytes, int]:
    """A test result's bytes with its attachment links pointed at the run folder's files."""
    if not (rel.startswith(f"{TEST_RESULTS_DIR}/") and rel.endswith(".json")):
        return raw, 0
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise SiteLinkError(f"{rel}: not a test result Allure wrote ({exc})") from exc
    count = _relink(data, to_results, published, moved)
    if not count:
        return raw, 0
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), count


def make_publishable(report_dir: Path, *, to_results: str, published: Collection[str]) -> Published:
    """Point the report's attachment links at the run folder's ``allure-results/`` files and
    make its data files (``data/`` but its attachments, ``widgets/``) one script,
    ``data-<digest>.js``, loaded before the app: thousands of objects become one.

    ``to_results`` is the path from the report's folder to the run folder's results folder
    as the site lays them out (``"../allure-results/"`` for ``runs/<id>/report/``);
    ``published`` the run-relative paths published beside the report. Copies that no link
    needs any more are removed. Nothing is changed when the app is not the one this knows.
    """
    if not to_results.endswith("/") or to_results.startswith("/"):
        raise SiteLinkError(f"to_results {to_results!r}: a relative folder path ending in '/' is expected")
    if not any((report_dir / folder).is_dir() for folder in BUNDLED_DIRS):
        return Published(0, 0, 0, 0)  # no data (not a report of Allure's multi-file form)
    index = report_dir / "index.html"
    page = index.read_text(encoding="utf-8")
    app = _APP_SCRIPT.search(page)
    if app is None:
        raise SiteLinkError(f"{index}: no app script found; this Allure version needs a new rewrite")
    app_code = _patched_app(report_dir / app[1])
    moved: dict[str, bool] = {}
    links = 0
    data: dict[str, str] = {}
    files = _data_files(report_dir)
    for rel, path in files:
        raw, count = _relinked(rel, path.read_bytes(), to_results, published, moved)
        links += count
        data[rel] = base64.b64encode(raw).decode("ascii")
    script = f"window.allureReportData = {json.dumps(data, separators=(',', ':'))};\n".encode()
    name = f"data-{hashlib.sha256(script).hexdigest()[:20]}.js"
    (report_dir / name).write_bytes(script)
    (report_dir / app[1]).write_text(app_code, encoding="utf-8")
    tag = f'<script src="{name}"></script>\n    {app[0]}'
    index.write_text(page[: app.start()] + tag + page[app.end() :], encoding="utf-8")
    for _, path in files:
        path.unlink()
    removed = kept = 0
    attachments = report_dir / ATTACHMENTS_DIR
    for copy_name, unused in moved.items():
        copy = attachments / copy_name
        if unused and copy.is_file():
            copy.unlink()
            removed += 1
        elif not unused:
            kept += 1
    for folder in BUNDLED_DIRS:
        for dirpath, _, _ in sorted(os.walk(report_dir / folder), reverse=True):
            if not os.listdir(dirpath):
                os.rmdir(dirpath)
    return Published(links=links, copies_removed=removed, copies_kept=kept, bundled=len(data))
