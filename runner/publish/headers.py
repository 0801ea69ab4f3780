"""Content-Type and Cache-Control of every published object, as one pure function of its key.

Hand-written rather than taken from ``mimetypes``: that module reads the machine's
``/etc/mime.types``, so a laptop and the CI image would label the same file differently
(``.jsonl`` or ``.webm`` are missing on many systems, and an unlabelled object is downloaded
by the browser instead of shown). A fixed table makes a published report look the same
whoever published it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from runner.publish.layout import TRACE_VIEWER_DIR

_TEXT = "; charset=utf-8"

_CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html" + _TEXT,
    ".htm": "text/html" + _TEXT,
    ".css": "text/css" + _TEXT,
    ".js": "text/javascript" + _TEXT,
    ".mjs": "text/javascript" + _TEXT,
    ".json": "application/json" + _TEXT,
    ".jsonl": "application/x-ndjson" + _TEXT,
    ".map": "application/json" + _TEXT,
    ".xml": "application/xml" + _TEXT,
    ".txt": "text/plain" + _TEXT,
    ".log": "text/plain" + _TEXT,
    ".csv": "text/csv" + _TEXT,
    ".md": "text/markdown" + _TEXT,
    ".yaml": "text/yaml" + _TEXT,
    ".yml": "text/yaml" + _TEXT,
    ".uri": "text/uri-list" + _TEXT,  # Allure's link attachments (the page URL)
    ".har": "application/json" + _TEXT,
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".webm": "video/webm",
    ".mp4": "video/mp4",
    ".zip": "application/zip",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".webmanifest": "application/manifest+json" + _TEXT,  # Playwright's trace viewer
}
_FALLBACK_TYPE = "application/octet-stream"

# Pages people reload to see the newest state must always be revalidated; a stale
# `latest` or index for an hour is exactly what the team complained about.
NO_CACHE = "no-cache, max-age=0, must-revalidate"
# Files whose name carries a content hash (Allure's bundled app, attachments named by
# their digest) never change under the same key.
IMMUTABLE = "public, max-age=31536000, immutable"
# Everything else inside a run folder: a run id is never reused, but a re-publish may add
# or regenerate its report, so a day is long enough to be cheap and short enough to heal.
RUN_CONTENT = "max-age=86400"

_HASHED_NAME = re.compile(r"[.-][0-9a-f]{16,}\.[a-z0-9]+$")
_REVALIDATE_NAMES = {"run.json", "history.jsonl", "summary.json"}


@dataclass(frozen=True)
class ObjectHeaders:
    content_type: str
    cache_control: str


def content_type_for(key: str) -> str:
    suffix = PurePosixPath(key).suffix.lower()
    return _CONTENT_TYPES.get(suffix, _FALLBACK_TYPE)


def headers_for(key: str) -> ObjectHeaders:
    """The headers of the object at ``key`` (relative to the publish prefix)."""
    name = PurePosixPath(key).name
    content_type = content_type_for(key)
    if key.startswith(TRACE_VIEWER_DIR):
        # trace-viewer/<playwright version>/...: the version is in the key, the files never change.
        cache = IMMUTABLE
    elif not key.startswith("runs/") or key.startswith("runs/index"):
        # index.html, runs/index.json, latest/..., entries/...: shared pages that change.
        cache = NO_CACHE
    elif name.endswith((".html", ".htm")) or name in _REVALIDATE_NAMES:
        cache = NO_CACHE
    elif _HASHED_NAME.search(name) or "/data/attachments/" in key:
        cache = IMMUTABLE
    else:
        cache = RUN_CONTENT
    return ObjectHeaders(content_type=content_type, cache_control=cache)
