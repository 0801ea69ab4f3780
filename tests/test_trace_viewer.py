"""A failure's trace in one click, on the same origin: a real run (one failing scenario, its
trace kept) published to the loopback S3 server and opened over ``e2e serve``'s server, and the
run folder itself over ``e2e show-report``. In Chromium: the index's ``trace`` link opens
Playwright's viewer from the site with the scenario's actions, and no request leaves the origin."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from runner.publish.headers import IMMUTABLE, headers_for
from runner.publish.publisher import publish_run
from runner.publish.security import security_headers
from runner.publish.targets import open_target
from runner.publish.trace_site import viewer_uploads
from runner.publish.viewer import serve_in_thread
from runner.report.allure import generate_report
from runner.report.trace_viewer import viewer_root
from runner.settings import resolve
from tests.support import E2E
from tests.support.browser import chromium
from tests.support.runs import real_run
from tests.support.s3 import make_bucket, read_objects
from tests.support.s3 import s3 as s3  # noqa: F401 - fixture
from tests.support.s3 import s3_server as s3_server  # noqa: F401 - fixture

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
FAILING = "The greeting is wrong"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return real_run(tmp_path_factory.mktemp("project"), branch="main", failing_name=FAILING)


def _open_trace_from_index(browser, url: str) -> list[str]:  # noqa: ANN001
    """Open the index at ``url``, click the failure's ``trace``: the viewer must list the trace's
    actions. Returns every request's URL."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    try:
        page.goto(url)
        link = page.get_by_role("link", name="trace", exact=True)
        assert link.count() == 1, page.content()
        link.click()
        try:
            # The failing scenario's actions, as the viewer lists them.
            page.get_by_text("Set content").first.wait_for(timeout=20_000)
            page.get_by_text("to_have_text").first.wait_for(timeout=5_000)
        except Exception:
            raise AssertionError(
                f"the viewer at {page.url} shows: {page.inner_text('body')[:2000]}"
            ) from None
        assert f"/{viewer_root()}index.html?trace=" in page.url, page.url
    finally:
        context.close()
    return requests


def _open_trace_from_report(browser, report_url: str) -> list[str]:  # noqa: ANN001
    """Allure's own "open trace" button on the failing scenario's trace attachment: a new tab
    with the site's viewer showing the trace's actions. Returns every request's URL."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    try:
        page.goto(report_url)
        page.get_by_text(FAILING, exact=True).first.click()
        attachment = page.locator("[data-testid=test-result-attachment]").filter(has_text="Playwright trace")
        with context.expect_page() as opened:
            attachment.first.locator("button").first.click()
        viewer = opened.value
        viewer.get_by_text("Set content").first.wait_for(timeout=20_000)
        assert f"/{viewer_root()}index.html" in viewer.url, viewer.url
    finally:
        context.close()
    return requests


def _foreign(requests: list[str], origin: str) -> list[str]:
    return [u for u in requests if not u.startswith((origin, "blob:", "data:", "about:"))]


def test_the_index_links_the_trace_into_the_sites_own_viewer(s3, run_dir: Path, browser) -> None:  # noqa: ANN001
    summary = json.loads((run_dir / "run.json").read_text())
    failed = next(s for s in summary["scenarios"] if s["status"] == "failed")
    assert failed["trace"] and (run_dir / failed["trace"]).is_file(), failed

    bucket = make_bucket(s3.endpoint, public=False)
    settings = resolve(ROOT, {"report_bucket": bucket})
    target = open_target(settings)
    publish_run(target, run_dir, settings, log=lambda _line: None)
    assert viewer_uploads(target) == [], "unchanged: the viewer is not uploaded again"

    objects = read_objects(s3.endpoint, bucket)
    viewer_keys = [k for k in objects if k.startswith(f"e2e/{viewer_root()}")]
    assert (
        f"e2e/{viewer_root()}index.html" in viewer_keys and f"e2e/{viewer_root()}sw.bundle.js" in viewer_keys
    )
    assert headers_for(f"{viewer_root()}sw.bundle.js").cache_control == IMMUTABLE
    assert headers_for(f"{viewer_root()}index.html").content_type.startswith("text/html")
    report_code = [
        k for k in objects if k.startswith(f"e2e/runs/{run_dir.name}/report/") and k.endswith(".js")
    ]
    assert report_code and not any(b"trace.playwright.dev" in objects[k] for k in report_code)
    entry = json.loads(objects[f"e2e/entries/{run_dir.name}.json"])
    assert entry["failures"][0]["trace"] == f"runs/{run_dir.name}/{failed['trace']}"

    server, url = serve_in_thread(target)
    try:
        requests = _open_trace_from_index(browser, url)
        requests += _open_trace_from_report(browser, f"{url}runs/{run_dir.name}/report/index.html")
    finally:
        server.shutdown()
        server.server_close()
    origin = url.rstrip("/")
    assert any(urllib.parse.urlsplit(u).path.endswith("trace.zip") for u in requests), requests
    assert _foreign(requests, origin) == [], "every request stays on the site's origin"


def test_show_report_serves_a_local_run_with_the_viewer(run_dir: Path, browser) -> None:  # noqa: ANN001
    proc = subprocess.Popen(
        [str(E2E), "show-report", str(run_dir)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), (
            url,
            proc.stderr.read() if proc.poll() is not None else "",
        )
        requests = _open_trace_from_index(browser, url)
    finally:
        proc.terminate()
        proc.wait(10)
    assert _foreign(requests, url.rstrip("/")) == [], requests


def test_the_viewers_pages_may_run_its_service_worker() -> None:
    headers = security_headers(f"{viewer_root()}index.html")
    policy = headers["Content-Security-Policy"]
    assert "worker-src 'self'" in policy and "blob:" in policy and "https:" not in policy


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))


def test_the_report_tree_is_grouped_by_feature_then_scenario(
    tmp_path: Path,
    run_dir: Path,
    browser,  # noqa: ANN001
) -> None:
    report = generate_report(run_dir, resolve(ROOT), output=tmp_path / "report", single_file=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(report.as_uri())
        group = page.get_by_text("Publishing demo", exact=True).first
        group.wait_for(timeout=20_000)
        assert "features" not in page.inner_text("body").split(), "no folder node above the features"
        for scenario in (FAILING, "The greeting is shown"):
            page.get_by_text(scenario, exact=True).first.wait_for(timeout=5_000)
    finally:
        page.close()
