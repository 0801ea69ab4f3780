"""The security headers of every page and file of the site, one pure function of its key.

``e2e serve`` sends them; CloudFront sends the same through the template's response headers
policies (``infra/template.yaml``, checked against this module by ``tests/test_infra.py``).

- Pages (the index, ``latest``, Allure's app) get ``PAGE_POLICY``: scripts only from the
  site itself, inline and ``data:`` (the single-file report is one page of inline and
  ``data:`` scripts), nothing from another host, no framing by another site.
- Everything else a run recorded (attachments, evidence, screenshots, SVGs, traces, JSON)
  gets ``FILE_POLICY``: ``sandbox`` and no script at all, so an SVG or HTML attachment with
  a script in it, opened on its own, runs nothing at the viewer's origin (where it could
  read every other report with the viewer's credentials).
- ``nosniff`` everywhere (a text attachment is never run as a script or page), and
  ``X-Frame-Options: DENY`` with ``frame-ancestors 'none'``.
"""

from __future__ import annotations

from pathlib import PurePosixPath

PAGE_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:",
        "style-src 'self' 'unsafe-inline' data:",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "media-src 'self' data: blob:",
        "connect-src 'self' data: blob:",
        "frame-src 'self' data: blob:",
        "worker-src 'self' data: blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
FILE_POLICY = "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'"

# Folders whose files were recorded from the app under test (never the site's own code).
_RECORDED = {"attachments", "evidence", "allure-results"}
# The site's own code and assets, loaded by its pages.
_ASSETS = {".js", ".mjs", ".css", ".map", ".woff", ".woff2", ".ttf", ".ico"}
_PAGES = {".html", ".htm"}


def is_page(key: str) -> bool:
    """Whether ``key`` is one of the site's pages (not something a run recorded)."""
    path = PurePosixPath(key)
    return path.suffix.lower() in _PAGES and not _RECORDED & set(path.parts[:-1])


def security_headers(key: str) -> dict[str, str]:
    """The headers sent with ``key``: its CSP, nosniff, no framing."""
    path = PurePosixPath(key)
    headers = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
    }
    if is_page(key):
        headers["Content-Security-Policy"] = PAGE_POLICY
    elif path.suffix.lower() not in _ASSETS or _RECORDED & set(path.parts[:-1]):
        headers["Content-Security-Policy"] = FILE_POLICY
    return headers
