"""runner/report/trace_viewer.py: Playwright's viewer from the wheel, and same-origin links to it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from runner.report import trace_viewer


def test_the_viewer_ships_with_playwright_and_lists_its_files() -> None:
    assert trace_viewer.viewer_dir() is not None
    keys = dict(trace_viewer.viewer_files())
    root = trace_viewer.viewer_root()
    assert root == f"trace-viewer/{trace_viewer.version()}/"
    assert root + "index.html" in keys and root + "sw.bundle.js" in keys
    assert all(k.startswith(root) and "/." not in k for k in keys)


def test_a_link_from_the_index_opens_a_run_trace_on_the_same_site() -> None:
    link = trace_viewer.viewer_link("index.html", "runs/r1/evidence/a/trace.zip")
    parts = urlsplit(link)
    assert parts.scheme == "" and parts.netloc == ""  # relative: the same origin
    assert parts.path == trace_viewer.viewer_root() + "index.html"
    trace = parse_qs(parts.query)["trace"][0]
    assert trace == "../../runs/r1/evidence/a/trace.zip"
    nested = trace_viewer.viewer_link("branches/main/index.html", "runs/r1/evidence/a/trace.zip")
    assert nested.startswith("../../" + trace_viewer.viewer_root())
