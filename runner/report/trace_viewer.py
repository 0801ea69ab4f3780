"""Playwright's trace viewer, served from the same site as the reports.

The viewer ships inside the Playwright wheel (``driver/package/lib/vite/traceViewer/``); it
is a static app with a service worker, so it works from any HTTPS or localhost origin and
needs no third-party page. A site holds it once per Playwright version, under
``trace-viewer/<version>/`` (immutable: the version is in the key); a failed scenario's
trace opens with ``trace-viewer/<version>/index.html?trace=<trace URL>``, the trace URL
relative to the viewer's folder so that it resolves on the same origin (the service worker
fetches it). A site opened from ``file://`` cannot run a service worker: there the trace
zip itself is linked, to open with ``playwright show-trace``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from urllib.parse import quote

FOLDER = "trace-viewer"


@lru_cache(maxsize=1)
def viewer_dir() -> Path | None:
    """The trace viewer's folder inside the installed Playwright, or None."""
    try:
        import playwright
    except ImportError:
        return None
    base = Path(playwright.__file__).parent / "driver" / "package" / "lib" / "vite" / "traceViewer"
    return base if (base / "index.html").is_file() and (base / "sw.bundle.js").is_file() else None


def version() -> str:
    try:
        return metadata.version("playwright")
    except metadata.PackageNotFoundError:
        return "unknown"


def viewer_root() -> str:
    """The viewer's folder relative to a site's root: ``trace-viewer/<version>/``."""
    return f"{FOLDER}/{version()}/"


def viewer_files() -> Iterator[tuple[str, Path]]:
    """(key relative to the site's root, file) for every file of the viewer."""
    base = viewer_dir()
    if base is None:
        return
    root = viewer_root()
    for path in sorted(base.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            yield root + path.relative_to(base).as_posix(), path


def viewer_link(from_key: str, trace_key: str) -> str:
    """The link, on a page at ``from_key``, that opens ``trace_key`` in the viewer (both keys
    relative to the same site root)."""
    page_dir = posixpath.dirname(from_key)
    viewer = viewer_root() + "index.html"
    trace_from_viewer = posixpath.relpath(trace_key, posixpath.dirname(viewer))
    href = posixpath.relpath(viewer, page_dir or ".")
    return f"{href}?trace={quote(trace_from_viewer, safe='/.-_~')}"
