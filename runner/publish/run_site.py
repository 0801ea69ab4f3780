"""``e2e show-report RUN_DIR``: one local run folder served as the site lays it out, read only.

The keys are the published site's (``layout``): ``index.html`` (this run alone, with its
failures and their ``trace`` links), ``runs/<run-id>/...`` (the run folder's files, its own
report as ``report-single-file/``) and ``trace-viewer/<version>/...`` (Playwright's viewer from
the installed wheel). ``viewer.make_server`` serves it like any target: 127.0.0.1 only, its
Host check and security headers, so a trace opens in the viewer on the same origin.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from runner.publish.index import RunIndex, entry_from_run
from runner.publish.layout import INDEX_PAGE, run_root
from runner.publish.pages import render_index
from runner.publish.target import RemoteObject, etag_of_bytes
from runner.publish.uploads import collect_files
from runner.report.trace_viewer import viewer_files
from runner.run.summary import RunSummary

BLOCK = 1 << 16


class RunSite:
    """A run folder as a read-only target: what ``viewer``'s server asks of a target."""

    def __init__(self, run_dir: Path) -> None:
        summary = RunSummary.read(run_dir)  # NotARunFolder, saying why
        files = collect_files(Path(run_dir))
        root = run_root(summary.run_id)
        self.description = f"run folder {run_dir}"
        self.run_id = summary.run_id
        self.files: dict[str, Path] = {root + rel: path for rel, path in files.items()}
        self.files.update(viewer_files())
        index = RunIndex({summary.run_id: ("", entry_from_run(summary, published_files=set(files)))})
        page = render_index(index, title=f"E2E run {summary.run_id}", single_file=True, viewer=True)
        self.pages: dict[str, bytes] = {INDEX_PAGE: page}

    def preflight(self) -> None:
        return None

    def stat(self, key: str) -> RemoteObject | None:
        if key in self.pages:
            return RemoteObject(key, etag_of_bytes(self.pages[key]), len(self.pages[key]))
        path = self.files.get(key)
        return RemoteObject(key, "", path.stat().st_size) if path is not None and path.is_file() else None

    def stream(self, key: str) -> tuple[Iterator[bytes], int] | None:
        if key in self.pages:
            data = self.pages[key]
            return iter([data]), len(data)
        path = self.files.get(key)
        if path is None or not path.is_file():
            return None

        def blocks() -> Iterator[bytes]:
            with path.open("rb") as fh:
                while block := fh.read(BLOCK):
                    yield block

        return blocks(), path.stat().st_size
