"""`e2e serve` against DNS rebinding, scripts in recorded files, dot files and framing.

A real run folder (``synthetic_run``) is published to a local site with its multi-file
Allure report, an SVG with a script is planted among the report's attachments and dot files
beside the site; then the site is served on loopback and asked with real HTTP requests and
opened in real Chromium.
"""

from __future__ import annotations

import http.client
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from runner.publish.local_target import LocalTarget
from runner.publish.publisher import publish_run
from runner.publish.security import FILE_POLICY, PAGE_POLICY
from runner.publish.viewer import serve_in_thread
from runner.settings import resolve
from tests.support.browser import chromium
from tests.support.runs import synthetic_run

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
EVIL_SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>'


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("serve")
    run_dir = synthetic_run(tmp / "reports", scenarios=[("Signs in", "passed"), ("Pays", "failed")])
    site = tmp / "site"
    publish_run(LocalTarget(site), run_dir, resolve(ROOT), log=lambda _: None)
    # Where a report keeps a copy of an attachment not published beside it (most link to
    # the run folder's allure-results/, which is sandboxed the same way).
    attachments = next(site.glob("runs/*/report")) / "data" / "attachments"
    attachments.mkdir(parents=True, exist_ok=True)
    (attachments / "evil.svg").write_bytes(EVIL_SVG)
    (site / ".env").write_text("AWS_SECRET_ACCESS_KEY=planted\n")
    (site / ".git").mkdir()
    (site / ".git" / "config").write_text("[core]\n")
    return site


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[tuple[str, int]]:
    server, url = serve_in_thread(LocalTarget(site))
    try:
        yield url, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _get(port: int, path: str, host: str | None = None) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.putrequest("GET", path, skip_host=True)
    if host is not None:
        connection.putheader("Host", host)
    connection.endheaders()
    response = connection.getresponse()
    try:
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    "host", ["evil.example", f"evil.example:{0}", "127.0.0.1", "127.0.0.1:1", "localhost.:{port}", None]
)
def test_a_foreign_host_is_refused(served: tuple[str, int], host: str | None) -> None:
    _, port = served
    status, headers, body = _get(port, "/index.html", host.format(port=port) if host else None)
    assert status == 421, (host, status)
    assert b"<html" not in body.lower() and headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}"])
def test_loopback_hosts_get_the_page_with_its_policy(served: tuple[str, int], host: str) -> None:
    _, port = served
    status, headers, body = _get(port, "/index.html", host.format(port=port))
    assert status == 200 and b"<html" in body.lower()
    assert headers["Content-Security-Policy"] == PAGE_POLICY
    assert "frame-ancestors 'none'" in PAGE_POLICY
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"


def test_an_attachment_svg_is_sandboxed(served: tuple[str, int], site: Path) -> None:
    _, port = served
    svg = next(site.glob("runs/*/report/data/attachments/evil.svg")).relative_to(site).as_posix()
    status, headers, body = _get(port, f"/{svg}", f"127.0.0.1:{port}")
    assert status == 200 and body == EVIL_SVG
    assert headers["Content-Security-Policy"] == FILE_POLICY and FILE_POLICY.startswith("sandbox")
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/.env", "/.git/config", "/%2eenv", "/runs/../.env", "/.git/"])
def test_dot_files_are_not_served(served: tuple[str, int], path: str) -> None:
    _, port = served
    status, _, body = _get(port, path, f"127.0.0.1:{port}")
    assert status in (400, 404) and b"planted" not in body and b"[core]" not in body


def test_the_report_opens_in_chromium_under_the_policy(served: tuple[str, int], site: Path) -> None:
    url, port = served
    report = next(site.glob("runs/*/report/index.html")).relative_to(site).as_posix()
    svg = next(site.glob("runs/*/report/data/attachments/evil.svg")).relative_to(site).as_posix()
    console: list[str] = []
    dialogs: list[str] = []
    with chromium() as browser:
        page = browser.new_page()
        page.on("console", lambda m: console.append(m.text))
        page.on("pageerror", lambda e: console.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for base in (url, f"http://localhost:{port}/"):
            page.goto(base + report)
            leaves = page.get_by_test_id("tree-leaf-title")
            leaves.first.wait_for(timeout=30000)
            assert sorted(leaves.all_inner_texts()) == ["Pays", "Signs in"]
            page.get_by_test_id("tree-leaf-title").filter(has_text="Pays").first.click()
            page.get_by_test_id("test-result-tab-attachments").click()
            page.get_by_test_id("test-result-attachment-header").first.wait_for(timeout=15000)
        page.goto(url)  # the index
        page.wait_for_load_state("load")
        page.goto(url + svg)
        page.wait_for_timeout(500)
    assert not dialogs, f"a recorded SVG ran its script: {dialogs}"
    blocked = [m for m in console if "Content Security Policy" in m and "evil.svg" not in m]
    assert not blocked, blocked


def test_e2e_serve_prints_a_free_port_by_default(site: Path) -> None:
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("e2e")), "serve", "--to", str(site)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=site,
    )
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and not url.startswith("http://127.0.0.1:8080/"), url
        port = int(url.rsplit(":", 1)[1].strip("/"))
        assert _get(port, "/", f"127.0.0.1:{port}")[0] == 200
        assert _get(port, "/", "rebound.example")[0] == 421
    finally:
        proc.terminate()
        proc.wait(timeout=30)
