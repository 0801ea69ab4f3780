"""Playwright's trace viewer on the site: its files uploaded once per Playwright version, under
``trace-viewer/<version>/`` (``runner.report.trace_viewer``), only what is missing or changed
(the ETag compare every upload uses: an unchanged viewer costs one LIST and no PUT)."""

from __future__ import annotations

from runner.publish.target import Target, Upload
from runner.report import trace_viewer


def viewer_uploads(target: Target) -> list[Upload]:
    """The viewer's files the target does not hold yet (none when Playwright has no viewer)."""
    files = list(trace_viewer.viewer_files())
    if not files:
        return []
    remote = target.list(trace_viewer.viewer_root())
    uploads = []
    for key, path in files:
        upload = Upload.from_file(key, path)
        if not upload.same_as(remote.get(key)):
            uploads.append(upload)
    return uploads
