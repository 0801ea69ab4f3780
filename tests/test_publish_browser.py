"""What the team sees: real runs published to a loopback S3 server, opened in real Chromium.

Two runs of a tiny feature (each with a failing scenario; the second named
``<script>alert(1)</script>``) are made by pytest with the project's plugin, published to a
public bucket (as a website or CloudFront would serve it) and to a private one (opened
through presigned URLs), and to a local folder. Every page is opened in Chromium: every
scenario name must be listed, every screenshot must have loaded, no request may fail.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from runner.publish.local_target import LocalTarget
from runner.publish.publisher import PublishResult, publish_run
from runner.publish.targets import open_target
from runner.settings import resolve
from tests.support import E2E, require
from tests.support.browser import chromium
from tests.support.runs import real_run, tree_digest
from tests.support.s3 import S3Server, aws_env, client_env, make_bucket, read_objects, start_server

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
FIRST_FAILING = "The greeting is wrong"
SECOND_FAILING = "<script>alert(1)</script>"
PASSING = "The greeting is shown"


@dataclass
class Published:
    server: S3Server
    public_bucket: str
    private_bucket: str
    runs: list[Path]
    public: list[PublishResult] = field(default_factory=list)
    private: list[PublishResult] = field(default_factory=list)
    local: list[PublishResult] = field(default_factory=list)
    first_before: dict[str, bytes] = field(default_factory=dict)
    first_after: dict[str, bytes] = field(default_factory=dict)
    site: Path | None = None
    histories: list[bytes] = field(default_factory=list)  # of the public bucket's runs
    runs_before: list[dict[str, bytes]] = field(default_factory=list)  # the run folders, unpublished


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    try:
        import moto.server  # noqa: F401
    except ImportError:
        require(False, "moto[server] is not installed")
    project = tmp_path_factory.mktemp("project")
    server = start_server()
    try:
        with pytest.MonkeyPatch.context() as mp:
            with aws_env(mp, server.endpoint):
                first = real_run(project, branch="main", failing_name=FIRST_FAILING)
                second = real_run(project, branch="main", failing_name=SECOND_FAILING)
                state = Published(
                    server=server,
                    public_bucket=make_bucket(server.endpoint, public=True),
                    private_bucket=make_bucket(server.endpoint, public=False),
                    runs=[first, second],
                    runs_before=[tree_digest(first), tree_digest(second)],
                )
                # The public bucket plays the site (CloudFront): its URL is E2E_REPORT_URL.
                site_url = f"{server.endpoint}/{state.public_bucket}/e2e"
                public = resolve(ROOT, {"report_bucket": state.public_bucket, "report_url": site_url})
                to_public = open_target(public)
                state.public.append(publish_run(to_public, first, public, log=lambda _: None))
                state.first_before = read_objects(
                    server.endpoint, state.public_bucket, f"e2e/runs/{first.name}/"
                )
                state.public.append(publish_run(to_public, second, public, log=lambda _: None))
                state.first_after = read_objects(
                    server.endpoint, state.public_bucket, f"e2e/runs/{first.name}/"
                )
                private = resolve(ROOT, {"report_bucket": state.private_bucket})
                for run in (first, second):
                    state.private.append(
                        publish_run(open_target(private), run, private, presign=900, log=lambda _: None)
                    )
                state.site = project / "site"
                for run in (first, second):
                    state.local.append(publish_run(LocalTarget(state.site), run, public, log=lambda _: None))
                state.histories = [
                    read_objects(server.endpoint, state.public_bucket, key)[key]
                    for key in (f"e2e/runs/{run.name}/history.jsonl" for run in (first, second))
                ]
        yield state
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


class Watched:
    """A page that records failed responses, failed requests and any dialog (an XSS would
    open one)."""

    def __init__(self, browser) -> None:  # noqa: ANN001
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.failures: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("response", self._on_response)
        self.page.on("requestfailed", self._on_request_failed)
        self.page.on("dialog", self._on_dialog)

    def _on_response(self, response) -> None:  # noqa: ANN001
        if response.status >= 400:
            self.failures.append(f"{response.status} {response.url}")

    def _on_request_failed(self, request) -> None:  # noqa: ANN001
        # Requests cut short by our own navigation to the next page are not failures.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.failures.append(f"failed {request.url}: {request.failure}")

    def _on_dialog(self, dialog) -> None:  # noqa: ANN001
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def images(self) -> list[tuple[str, int]]:
        return self.page.eval_on_selector_all(
            "img", "els => els.map(e => [e.currentSrc.slice(0, 100), e.complete ? e.naturalWidth : -1])"
        )

    def close(self) -> None:
        assert self.dialogs == [], f"a script ran: {self.dialogs}"
        assert self.failures == [], self.failures
        self.page.close()


def wait_images_loaded(watched: Watched) -> list[tuple[str, int]]:
    watched.page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=15000)
    return watched.images()


def check_report(browser, url: str, names: list[str]) -> None:  # noqa: ANN001
    """Every scenario is in the report's tree, and every screenshot of it shows."""
    watched = Watched(browser)
    page = watched.page
    page.goto(url)
    leaves = page.get_by_test_id("tree-leaf-title")
    leaves.first.wait_for(timeout=20000)
    assert sorted(leaves.all_inner_texts()) == sorted(names)
    for name in names:
        page.goto(url)
        page.get_by_test_id("tree-leaf-title").filter(has_text=name).first.click()
        page.get_by_test_id("test-result-tab-attachments").click()
        headers = page.get_by_test_id("test-result-attachment-header")
        headers.first.wait_for()
        shots = [i for i, text in enumerate(headers.all_inner_texts()) if "image/" in text]
        assert shots, f"{name}: no screenshot attached"
        for index in shots:
            headers.nth(index).click()
        page.wait_for_function(f"() => document.images.length >= {len(shots)}", timeout=15000)
        images = wait_images_loaded(watched)
        assert len(images) >= len(shots)
        assert all(width > 0 for _, width in images), f"{name}: {images}"
    watched.close()


def scenario_names(run_dir: Path) -> list[str]:
    return [s["name"] for s in json.loads((run_dir / "run.json").read_text())["scenarios"]]


def test_index_lists_every_run_with_its_failures(published: Published, browser) -> None:  # noqa: ANN001
    watched = Watched(browser)
    page = watched.page
    page.goto(published.public[1].index_url)
    rows = page.locator("tr.run")
    assert rows.count() == 2
    assert [r.get_attribute("id") for r in rows.all()] == [
        f"run-{published.runs[1].name}",
        f"run-{published.runs[0].name}",
    ]
    failures = page.locator(".failure .scenario").all_inner_texts()
    assert any(SECOND_FAILING in text for text in failures), failures
    assert any(FIRST_FAILING in text for text in failures), failures
    steps = page.locator(".failure .step").all_inner_texts()
    assert all("I see the greeting" in text for text in steps) and len(steps) == 2
    assert all(page.locator(".failure .error").all_inner_texts())
    images = wait_images_loaded(watched)
    assert len(images) == 2 and all(width > 0 for _, width in images), images
    # Each run's report link opens that run's report.
    page.locator(f"#run-{published.runs[0].name} a.report").click()
    page.get_by_test_id("tree-leaf-title").first.wait_for(timeout=20000)
    assert published.runs[0].name in page.url
    watched.close()


def test_both_reports_show_every_scenario_and_screenshot(published: Published, browser) -> None:  # noqa: ANN001
    for run, result in zip(published.runs, published.public, strict=True):
        assert result.url is not None
        check_report(browser, result.url, scenario_names(run))


def test_private_bucket_opens_through_a_presigned_url(published: Published, browser) -> None:  # noqa: ANN001
    for run, result in zip(published.runs, published.private, strict=True):
        assert result.url is not None and "Signature" in result.url
        plain = result.url.split("?", 1)[0]
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(plain, timeout=10)
        assert refused.value.code == 403, "the bucket must really be private"
        check_report(browser, result.url, scenario_names(run))


def test_first_run_is_byte_for_byte_unchanged_by_the_second(published: Published) -> None:
    assert published.first_before
    assert published.first_after == published.first_before


def test_the_run_folders_are_only_read(published: Published) -> None:
    assert [tree_digest(run) for run in published.runs] == published.runs_before


def test_history_is_carried_to_the_next_run_of_the_branch(published: Published) -> None:
    first_lines, second_lines = (history.decode().splitlines() for history in published.histories)
    assert len(first_lines) == 1 and len(second_lines) == 2
    assert second_lines[0] == first_lines[0]


def test_latest_goes_to_the_newest_run_of_the_branch(published: Published, browser) -> None:  # noqa: ANN001
    watched = Watched(browser)
    for page_key in ("latest/index.html", "latest/main/index.html"):
        watched.page.goto(published.public[1].index_url.replace("index.html", page_key))
        watched.page.wait_for_url(f"**/runs/{published.runs[1].name}/report/index.html", timeout=15000)
    watched.close()


def test_local_site_opens_from_disk(published: Published, browser) -> None:  # noqa: ANN001
    assert published.site is not None
    watched = Watched(browser)
    watched.page.goto((published.site / "index.html").as_uri())
    assert watched.page.locator("tr.run").count() == 2
    images = wait_images_loaded(watched)
    assert len(images) == 2 and all(width > 0 for _, width in images), images
    watched.close()
    for run, result in zip(published.runs, published.local, strict=True):
        assert result.url is not None and result.url.startswith("file://")
        check_report(browser, result.url, scenario_names(run))


# --- e2e serve: the private bucket, viewed with one's own credentials ------------------------


@pytest.fixture(scope="module")
def served(published: Published) -> Iterator[str]:
    """`e2e serve` of the private bucket (a real process, the viewer's AWS settings)."""
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith(("E2E_", "AWS_"))}
    env.update(client_env(published.server.endpoint))
    proc = subprocess.Popen(
        [
            E2E,
            "serve",
            "--bucket",
            published.private_bucket,
            "--port",
            "0",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url + proc.stderr.read()
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _only_loopback(watched: Watched, base: str) -> None:
    watched.page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((base, "data:", "blob:"))
            else watched.failures.append(f"request to another host: {request.url}")
        ),
    )


def test_e2e_serve_shows_the_private_site_index_reports_and_screenshots(
    served: str, published: Published, browser
) -> None:  # noqa: ANN001
    watched = Watched(browser)
    _only_loopback(watched, served)
    page = watched.page
    page.goto(served)
    assert page.locator("tr.run").count() == 2
    images = wait_images_loaded(watched)
    assert len(images) == 2 and all(width > 0 for _, width in images), images
    # Into the multi-file report of the first run, to its failed scenario and its screenshots.
    page.locator(f"#run-{published.runs[0].name} a.report").click()
    page.wait_for_url(f"**/runs/{published.runs[0].name}/report/**")
    watched.close()
    check_report(browser, page.url, scenario_names(published.runs[0]))


def test_e2e_serve_resolves_latest_of_a_branch(served: str, published: Published, browser) -> None:  # noqa: ANN001
    watched = Watched(browser)
    _only_loopback(watched, served)
    for path in ("latest/", "latest/main/", "latest/main"):
        watched.page.goto(served + path)
        watched.page.wait_for_url(f"**/runs/{published.runs[1].name}/report/index.html", timeout=15000)
    watched.close()


def test_the_private_bucket_refuses_anonymous_readers(served: str, published: Published) -> None:
    plain = f"{published.server.endpoint}/{published.private_bucket}/e2e/index.html"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(plain, timeout=10)
    assert refused.value.code == 403
    with urllib.request.urlopen(served + "index.html", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/html")


def test_links_printed_after_a_publish_always_open(published: Published) -> None:
    site, private = published.public[1], published.private[1]
    assert site.url.startswith("http://") and site.view is None
    assert "Signature" in private.url
    for line in site.links():
        assert "https://" not in line or "Signature" in line
    assert all(
        r.url is None or not r.url.startswith("https://") or "Signature" in r.url for r in published.private
    )
