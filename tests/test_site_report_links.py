"""The site's multi-file report shows the run folder's own attachments, not copies of them.

Two real runs of a tiny feature (a failing scenario with a screenshot, a page-URL text
attachment, a trace and a video) are published to a loopback S3 server and the second one's
report is opened through ``e2e serve``'s server (the site's headers) in real Chromium: the
screenshot, the text, the video and Allure's "open trace" button all work, every request
for an attachment goes to the run folder's ``allure-results/`` key, no request fails, and
the report's history tab shows the first run. No key under ``report/data/attachments/`` is
uploaded, and the report's data (test results, widgets) is one script instead of a file each.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from runner.publish.publisher import publish_run
from runner.publish.targets import open_target
from runner.publish.viewer import serve_in_thread
from runner.report.trace_viewer import viewer_root
from runner.settings import resolve
from tests.support.browser import chromium
from tests.support.runs import real_run
from tests.support.s3 import aws_env, make_bucket, read_objects, running_server

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
FAILING = "The greeting is wrong"


@dataclass
class Site:
    runs: list[Path]
    objects: dict[str, bytes]
    url: str


# A short WebM made by the browser itself (Playwright's own video recording needs an ffmpeg
# build that machines without a download of it lack).
RECORD_WEBM = """async () => {
  const canvas = Object.assign(document.createElement("canvas"), {width: 64, height: 48});
  document.body.append(canvas);
  const paint = canvas.getContext("2d");
  const recorder = new MediaRecorder(canvas.captureStream(10), {mimeType: "video/webm"});
  const chunks = [];
  recorder.ondataavailable = (event) => chunks.push(event.data);
  recorder.start();
  for (let i = 0; i < 10; i++) {
    paint.fillStyle = `rgb(${i * 25}, 80, 160)`;
    paint.fillRect(0, 0, 64, 48);
    await new Promise((done) => setTimeout(done, 50));
  }
  await new Promise((done) => { recorder.onstop = done; recorder.stop(); });
  const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
  return btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));
}"""


def _attach_video(run_dir: Path, video: bytes) -> None:
    """The failing scenario's result gets a video attachment, as the plugin records one."""
    results = run_dir / "allure-results"
    for path in results.glob("*-result.json"):
        result = json.loads(path.read_text(encoding="utf-8"))
        if result.get("name") == FAILING:
            source = f"{uuid.uuid4()}-attachment.webm"
            (results / source).write_bytes(video)
            result.setdefault("attachments", []).append(
                {"name": "video", "source": source, "type": "video/webm"}
            )
            path.write_text(json.dumps(result), encoding="utf-8")
            return
    raise AssertionError(f"{run_dir}: no result named {FAILING!r}")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, browser) -> Iterator[Site]:  # noqa: ANN001
    page = browser.new_page()
    video = base64.b64decode(page.evaluate(RECORD_WEBM))
    page.close()
    project = tmp_path_factory.mktemp("project")
    with running_server() as server, pytest.MonkeyPatch.context() as mp, aws_env(mp, server.endpoint):
        runs = [real_run(project, branch="main", env={"E2E_EXPECT_TIMEOUT": "1500"}) for _ in range(2)]
        for run in runs:
            _attach_video(run, video)
        settings = resolve(ROOT, {"report_bucket": make_bucket(server.endpoint, public=False)})
        target = open_target(settings)
        for run in runs:
            publish_run(target, run, settings, log=lambda _line: None)
        httpd, url = serve_in_thread(target)
        try:
            yield Site(runs, read_objects(server.endpoint, settings.report_bucket, "e2e/"), url)
        finally:
            httpd.shutdown()
            httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


def _links(node: object) -> Iterator[dict]:
    if isinstance(node, dict):
        if node.get("type") == "attachment" and isinstance(node.get("link"), dict):
            yield node["link"]
        for value in node.values():
            yield from _links(value)
    elif isinstance(node, list):
        for value in node:
            yield from _links(value)


def test_no_attachment_is_uploaded_twice(site: Site) -> None:
    run_id = site.runs[1].name
    root = f"e2e/runs/{run_id}/"
    assert not [k for k in site.objects if k.startswith(f"{root}report/data/attachments/")]
    (bundle,) = [k for k in site.objects if k.startswith(f"{root}report/data-") and k.endswith(".js")]
    assert not [k for k in site.objects if k.startswith((f"{root}report/data/", f"{root}report/widgets/"))]
    data = json.loads(site.objects[bundle].decode().removeprefix("window.allureReportData = ").rstrip(";\n"))
    results = [json.loads(base64.b64decode(v)) for k, v in data.items() if k.startswith("data/test-results/")]
    assert len(results) == 2 and "widgets/tree.json" in data
    links = [link for result in results for link in _links(result)]
    kinds = {link["contentType"] for link in links}
    assert kinds >= {"image/png", "text/uri-list", "video/webm", "application/vnd.allure.playwright-trace"}, (
        links
    )
    for link in links:
        # The app fetches `data/attachments/<id><ext>` relative to the report's page.
        resolved = Path(f"/{root}report/data/attachments/{link['id']}{link['ext']}").resolve().as_posix()
        assert resolved == f"/{root}allure-results/{link['originalFileName']}", link
        assert resolved[1:] in site.objects, link


def _open_failing_result(page, site: Site, run_id: str, tab: str, item: str):  # noqa: ANN001, ANN202
    """The failing scenario of a published run's site report, on one of its tabs: that tab's
    items (by test id) once the first is shown."""
    page.goto(f"{site.url}runs/{run_id}/report/index.html")
    page.get_by_text(FAILING, exact=True).first.click()
    page.get_by_test_id(f"test-result-tab-{tab}").click()
    items = page.get_by_test_id(item)
    items.first.wait_for(timeout=20_000)
    return items


def _open_trace(context, button) -> None:  # noqa: ANN001
    """Allure's "open trace" button: a new tab with the site's viewer showing the trace's
    actions. Allure posts the trace to the viewer on a timer (1.75 s), which a loaded machine
    can beat; the second try finds the viewer's service worker installed."""
    for attempt in (1, 2):
        with context.expect_page() as opened:
            button.click()
        viewer = opened.value
        try:
            viewer.get_by_text("Set content").first.wait_for(timeout=20_000)
        except Exception:
            if attempt == 2:
                raise AssertionError(
                    f"the viewer at {viewer.url} shows: {viewer.inner_text('body')[:1000]}"
                ) from None
            viewer.close()
        else:
            return


def test_the_report_opens_each_kind_of_attachment_from_the_run_folder(site: Site, browser) -> None:  # noqa: ANN001
    run_id = site.runs[1].name
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    failures: list[str] = []
    context.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    requested: list[str] = []
    context.on("request", lambda r: requested.append(r.url))
    context.on(
        "requestfailed",
        lambda r: (
            failures.append(f"{r.url}: {r.failure}") if "ERR_ABORTED" not in (r.failure or "") else None
        ),
    )
    page = context.new_page()
    try:
        headers = _open_failing_result(page, site, run_id, "attachments", "test-result-attachment-header")
        texts = headers.all_inner_texts()
        for kind in ("image/png", "text/uri-list", "video/webm"):
            index = next((i for i, text in enumerate(texts) if kind in text), None)
            assert index is not None, f"no {kind} attachment among {texts}"
            headers.nth(index).click()
        page.wait_for_function(
            "() => [...document.images].some(i => i.complete && i.naturalWidth > 0 && i.src.startsWith('blob:'))",
            timeout=15_000,
        )
        page.wait_for_function(
            "() => [...document.querySelectorAll('video')].some(v => v.readyState >= 1 && v.duration > 0)",
            timeout=15_000,
        )
        page_url = next((site.runs[1] / "allure-results").glob("*.uri")).read_text(encoding="utf-8")
        page.get_by_text(page_url.strip(), exact=True).first.wait_for(timeout=15_000)  # the text attachment
        attachment = page.locator("[data-testid=test-result-attachment]").filter(has_text="Playwright trace")
        _open_trace(context, attachment.first.locator("button").first)
    finally:
        context.close()
    assert failures == []
    fetched = [url for url in requested if url.endswith("?attachment")]
    assert fetched and all(f"/runs/{run_id}/allure-results/" in url for url in fetched), fetched
    assert f"{site.url}{viewer_root()}index.html" in requested, "the trace opens in the site's own viewer"


def test_the_report_still_shows_the_branchs_history(site: Site, browser) -> None:  # noqa: ANN001
    second = site.runs[1].name
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        # The first run's result of the scenario, as Allure lists an earlier result (its date).
        items = _open_failing_result(page, site, second, "history", "test-result-history-item")
        assert items.count() == 1, page.inner_text("body")[:2000]
    finally:
        page.close()
