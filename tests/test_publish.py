"""Publishing a run folder: layout, headers, skipping unchanged objects, a concurrency-safe index.

Against a real S3 API server on loopback (moto's, started by ``s3_server``); run folders are
synthetic here (the shape the plugin writes) so these stay fast. ``test_publish_browser``
does the same with real runs in real Chromium.
"""

from __future__ import annotations

import http.server
import io
import json
import os
import re
import sys
import threading
from pathlib import Path

import pytest

from runner.publish.headers import IMMUTABLE, NO_CACHE, headers_for
from runner.publish.index import RunIndex, entry_from_run, latest_pages
from runner.publish.layout import branch_slug
from runner.publish.local_target import LocalTarget
from runner.publish.pages import render_index
from runner.publish.progress import Progress
from runner.publish.publisher import PublishError, PublishResult, publish_run
from runner.publish.s3_target import EXPECT_CONTINUE_FROM, S3Target
from runner.publish.site import publish_site
from runner.publish.target import MULTIPART_CHUNKSIZE, MULTIPART_THRESHOLD, Upload
from runner.publish.targets import open_target
from runner.report.allure import make_run_report
from runner.report.offline import third_party_urls
from runner.run.summary import RunSummary
from runner.settings import Settings, resolve
from tests.support.runs import synthetic_run, tree_digest
from tests.support.s3 import S3Server, aws_env, head, make_bucket, read_objects
from tests.support.s3 import s3 as s3  # noqa: F401 - fixture
from tests.support.s3 import s3_server as s3_server  # noqa: F401 - fixture

ROOT = Path(__file__).resolve().parents[1]
E2E = [sys.executable, "-c", "from runner.cli import main; main()"]


# The test's own settings only: no E2E_* of the caller's environment but where the report
# tooling is (E2E_TOOLS_DIR, E2E_NODE).
_KEPT = {"E2E_TOOLS_DIR", "E2E_NODE"}


def settings_for(bucket: str | None, tmp_path: Path, **extra: str) -> Settings:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("E2E_") or k in _KEPT}
    overrides = {"report_bucket": bucket, "reports_dir": str(tmp_path / "reports"), **extra}
    return resolve(ROOT, overrides, environ=environ)


def publish(settings: Settings, run_dir: Path, **kwargs) -> PublishResult:  # noqa: ANN003
    """``e2e publish`` as the command does it: the target the settings name."""
    return publish_run(open_target(settings), run_dir, settings, **kwargs)


def quiet(_: str) -> None:
    pass


def is_single_file(page: Path) -> bool:
    """An HTML page that loads no script from a file beside it (everything is inlined)."""
    html = page.read_text(encoding="utf-8")
    return "<script" in html and not re.search(r"<script[^>]*\ssrc=\"(?!data:)", html)


# --------------------------------------------------------------------------- pure parts


def test_headers_are_a_function_of_the_key() -> None:
    assert headers_for("index.html").cache_control == NO_CACHE
    assert headers_for("index.html").content_type == "text/html; charset=utf-8"
    assert headers_for("latest/main/index.html").cache_control == NO_CACHE
    assert headers_for("runs/index.json").cache_control == NO_CACHE
    assert headers_for("entries/20261121-233000-a1b2c3.json").cache_control == NO_CACHE
    run = "runs/20261121-233000-a1b2c3/"
    assert headers_for(run + "report/index.html").cache_control == NO_CACHE
    assert headers_for(run + "report/app-b3323b2606f19801ef1b.js").cache_control == IMMUTABLE
    assert headers_for(run + "report/app-b3323b2606f19801ef1b.js").content_type.startswith("text/javascript")
    assert headers_for(run + "report/data/attachments/ab.png").cache_control == IMMUTABLE
    assert headers_for(run + "evidence/x/failed.png").content_type == "image/png"
    assert headers_for(run + "history.jsonl").content_type.startswith("application/x-ndjson")
    assert headers_for(run + "evidence/x/trace.zip").content_type == "application/zip"
    assert headers_for(run + "evidence/x/video.webm").content_type == "video/webm"
    assert headers_for(run + "weird.bin").content_type == "application/octet-stream"


def test_third_party_urls_are_found() -> None:
    page = (
        '<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script><script src="app.js">'
    )
    assert third_party_urls(page) == ["https://www.googletagmanager.com/gtag/js?id=G-1"]
    assert third_party_urls('<link rel="stylesheet" href="//fonts.example/x.css">') == [
        "//fonts.example/x.css"
    ]


def test_branch_slugs_are_safe_and_distinct() -> None:
    assert branch_slug("main") == "main"
    assert branch_slug("feature/login") == "feature/login"
    odd = ["feature/x y", "feature/x-y", "../../etc", "a//b", "ü"]
    slugs = [branch_slug(b) for b in odd]
    assert len(set(slugs)) == len(slugs)
    for slug in slugs:
        assert all(part not in {"", ".", ".."} for part in slug.split("/"))
        assert all(c.isalnum() or c in "._-/" for c in slug)


def _run_json(**overrides: object) -> dict:
    run = {
        "run_id": "20261121-233000-a1b2c3",
        "started_at": "2026-11-21T23:30:00+00:00",
        "status": "failed",
        "counts": {"total": 1, "passed": 0, "failed": 1, "skipped": 0, "broken": 0},
        "metadata": {"branch": "<b>main</b>", "build_url": "javascript:alert(1)", "build_number": "3"},
        "scenarios": [
            {
                "name": "<script>alert(1)</script>",
                "status": "failed",
                "failed_step": 'Then I see "<img src=x onerror=alert(2)>"',
                "error": "AssertionError: <svg onload=alert(3)>\nsecond line",
                "screenshot": "../../other-run/secret.png",
            }
        ],
    }
    run.update(overrides)
    return run


def test_index_escapes_everything_and_drops_unsafe_links() -> None:
    entry = entry_from_run(RunSummary.from_dict(_run_json()), published_files={"evidence/x/failed.png"})
    assert entry.failures[0].screenshot is None, "a path out of the run folder is never linked"
    assert entry.failures[0].error == "AssertionError: <svg onload=alert(3)>"
    html = render_index(RunIndex({entry.run_id: ("etag", entry)}), title="runs").decode()
    for raw in ("<script>alert(1)", "<img src=x", "<svg onload", "<b>main</b>", "javascript:"):
        assert raw not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Content-Security-Policy" in html


def test_entry_links_only_published_files() -> None:
    run = RunSummary.from_dict(
        _run_json(
            scenarios=[{"id": "s", "name": "s", "status": "failed", "screenshot": "evidence/s/failed.png"}]
        )
    )
    assert entry_from_run(run, published_files=set()).failures[0].screenshot is None
    linked = entry_from_run(run, published_files={"evidence/s/failed.png"}).failures[0].screenshot
    assert linked == "runs/20261121-233000-a1b2c3/evidence/s/failed.png"


def test_progress_is_a_bar_on_a_terminal_and_lines_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("CI", raising=False)
    tty = Tty()
    bar = Progress("upload", 2, 1000, stream=tty)
    bar.add_bytes(500)
    bar.add_bytes(500)
    bar.finish("2 files")
    assert "\r" in tty.getvalue() and "[####" in tty.getvalue()

    monkeypatch.setenv("CI", "true")
    plain = Tty()
    lines = Progress("upload", 2, 1000, stream=plain)
    for _ in range(10):
        lines.add_bytes(100)
    lines.finish("2 files")
    assert "\r" not in plain.getvalue()
    assert plain.getvalue().count("\n") <= 11


# --------------------------------------------------------------------------- against S3


def test_publish_layout_headers_and_encryption(s3: S3Server, tmp_path: Path) -> None:
    bucket = make_bucket(s3.endpoint, public=False)
    run_dir = synthetic_run(tmp_path / "reports", branch="feature/login")
    result = publish(settings_for(bucket, tmp_path), run_dir, log=quiet)
    run_id = run_dir.name
    objects = read_objects(s3.endpoint, bucket)
    root = f"e2e/runs/{run_id}/"
    for rel, data in tree_digest(run_dir).items():
        if not rel.split("/")[-1].startswith("."):
            assert objects[root + rel] == data, rel
    # Made for the site: the multi-file report with history; no single-file one is needed.
    assert root + "report/index.html" in objects and root + "history.jsonl" in objects
    assert not any(key.startswith(root + "report-single-file/") for key in objects)
    for key in (
        "e2e/index.html",
        "e2e/runs/index.json",
        "e2e/latest/index.html",
        "e2e/latest/feature/login/index.html",
    ):
        assert key in objects
        assert head(s3.endpoint, bucket, key)["CacheControl"] == NO_CACHE
    assert f"e2e/entries/{run_id}.json" in objects
    for key in objects:
        meta = head(s3.endpoint, bucket, key)
        assert meta.get("ServerSideEncryption") == "AES256", key
        assert meta["ContentType"] == headers_for(key.removeprefix("e2e/")).content_type, key
    assert result.url and result.url.endswith(f"{root}report/index.html")
    latest = objects["e2e/latest/feature/login/index.html"].decode()
    assert f"../../../runs/{run_id}/report/index.html" in latest
    assert json.loads(objects["e2e/runs/index.json"])["runs"][0]["run_id"] == run_id


def test_publishing_never_changes_the_run_folder(s3: S3Server, tmp_path: Path) -> None:
    bucket = make_bucket(s3.endpoint, public=False)
    settings = settings_for(bucket, tmp_path)
    run_dir = synthetic_run(tmp_path / "reports")
    own_report = make_run_report(run_dir, settings)
    assert own_report == run_dir / "report" / "index.html" and is_single_file(own_report)
    before = tree_digest(run_dir)
    root = f"e2e/runs/{run_dir.name}/"

    publish(settings, run_dir, log=quiet)
    assert tree_digest(run_dir) == before, "the first publish wrote into the run folder"
    objects = read_objects(s3.endpoint, bucket, root)
    # The run's own report is published as it is; the site's report is made elsewhere.
    assert objects[root + "report-single-file/index.html"] == before["report/index.html"]
    assert objects[root + "report/index.html"] != before["report/index.html"]
    assert root + "history.jsonl" in objects

    publish(settings, run_dir, log=quiet)
    assert tree_digest(run_dir) == before, "the second publish wrote into the run folder"
    presigned = publish(settings, run_dir, presign=600, log=quiet)
    assert presigned.url and f"{root}report-single-file/index.html" in presigned.url
    publish_run(LocalTarget(tmp_path / "site"), run_dir, settings, log=quiet)
    assert tree_digest(run_dir) == before, "a presigned or local publish wrote into the run folder"

    with pytest.raises(PublishError, match="does not exist"):
        publish(settings_for(f"{bucket}-missing", tmp_path), run_dir, log=quiet)
    assert tree_digest(run_dir) == before, "a failed publish wrote into the run folder"
    assert sorted(p.name for p in (run_dir / "report").iterdir()) == sorted(
        rel.removeprefix("report/") for rel in before if rel.startswith("report/")
    )
    assert is_single_file(run_dir / "report" / "index.html")


def test_publishing_the_same_run_twice_uploads_and_generates_nothing(s3: S3Server, tmp_path: Path) -> None:
    bucket = make_bucket(s3.endpoint, public=False)
    run_dir = synthetic_run(tmp_path / "reports")
    settings = settings_for(bucket, tmp_path)
    first_notes: list[str] = []
    publish(settings, run_dir, log=first_notes.append)
    assert any(note.startswith("history:") for note in first_notes), "the first publish made the site report"
    history_key = f"e2e/runs/{run_dir.name}/history.jsonl"
    history_etag = head(s3.endpoint, bucket, history_key)["ETag"]
    before = read_objects(s3.endpoint, bucket)
    s3.reset()
    notes: list[str] = []
    result = publish(settings, run_dir, log=notes.append)
    assert s3.puts() == []
    assert result.uploaded == 0 and result.site_updates == 0 and result.skipped > 0
    assert not any(note.startswith("history:") for note in notes), f"the report was made again: {notes}"
    assert head(s3.endpoint, bucket, history_key)["ETag"] == history_etag
    assert read_objects(s3.endpoint, bucket) == before


def test_a_changed_file_is_the_only_upload(s3: S3Server, tmp_path: Path) -> None:
    bucket = make_bucket(s3.endpoint, public=False)
    run_dir = synthetic_run(tmp_path / "reports")
    settings = settings_for(bucket, tmp_path)
    publish(settings, run_dir, log=quiet)
    (run_dir / "junit.xml").write_text('<?xml version="1.0"?><testsuites tests="2"/>\n')
    s3.reset()
    publish(settings, run_dir, log=quiet)
    assert [p["path"] for p in s3.puts()] == [f"/{bucket}/e2e/runs/{run_dir.name}/junit.xml"]


def test_multipart_objects_are_skipped_when_unchanged(s3: S3Server, tmp_path: Path) -> None:
    # A trace just over the multipart threshold goes up in two parts, and its ETag (an MD5
    # of MD5s) must be computed locally the same way for the second publish to skip it.
    bucket = make_bucket(s3.endpoint, public=False)
    run_dir = synthetic_run(tmp_path / "reports")
    size = MULTIPART_THRESHOLD + 1
    parts = -(-size // MULTIPART_CHUNKSIZE)
    (run_dir / "evidence" / "trace.zip").write_bytes(os.urandom(size))
    settings = settings_for(bucket, tmp_path)
    publish(settings, run_dir, log=quiet)
    etag = head(s3.endpoint, bucket, f"e2e/runs/{run_dir.name}/evidence/trace.zip")["ETag"]
    assert etag.strip('"').endswith(f"-{parts}") and parts > 1
    s3.reset()
    publish(settings, run_dir, log=quiet)
    assert s3.puts() == []


class _RecordingHandler(http.server.BaseHTTPRequestHandler):
    """Answers every PUT like S3 (200 with an ETag) and keeps its headers; the standard
    library answers ``Expect: 100-continue`` with ``100 Continue`` itself."""

    protocol_version = "HTTP/1.1"
    seen: list[dict[str, str]] = []

    def do_PUT(self) -> None:  # noqa: N802 - the base class's name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append(
            {**{k.lower(): v for k, v in self.headers.items()}, "path": self.path, "size": str(len(body))}
        )
        self.send_response(200)
        self.send_header("ETag", '"0"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        pass


def test_small_objects_are_sent_without_waiting_for_100_continue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # botocore asks for the server's go-ahead before every PutObject body: a round trip more per
    # object. A run's thousands of small files are sent at once; a large one still asks first.
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RecordingHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with aws_env(monkeypatch, f"http://127.0.0.1:{server.server_address[1]}"):
            small, large = tmp_path / "shot.png", tmp_path / "video.webm"
            small.write_bytes(b"p" * 30_000)
            large.write_bytes(b"v" * (EXPECT_CONTINUE_FROM + 1))
            report = S3Target("bucket", "e2e").put(
                [Upload.from_file("runs/a/shot.png", small), Upload.from_file("runs/a/video.webm", large)]
            )
        assert not report.failed, report.failed
    finally:
        server.shutdown()
    by_path = {r["path"]: r for r in _RecordingHandler.seen}
    shot, video = by_path["/bucket/e2e/runs/a/shot.png"], by_path["/bucket/e2e/runs/a/video.webm"]
    assert "expect" not in shot and shot["size"] == "30000"
    assert video["expect"] == "100-continue" and video["size"] == str(EXPECT_CONTINUE_FROM + 1)
    for sent in (shot, video):  # the rest of the request as before: signed, checksummed, encrypted
        assert sent["x-amz-server-side-encryption"] == "AES256" and "x-amz-checksum-crc32" in sent
        assert "AWS4-HMAC-SHA256" in sent["authorization"]


def test_other_runs_are_never_touched(s3: S3Server, tmp_path: Path) -> None:
    bucket = make_bucket(s3.endpoint, public=False)
    settings = settings_for(bucket, tmp_path)
    first = synthetic_run(tmp_path / "reports", branch="main")
    publish(settings, first, log=quiet)
    first_objects = read_objects(s3.endpoint, bucket, f"e2e/runs/{first.name}/")
    first_entry = read_objects(s3.endpoint, bucket, f"e2e/entries/{first.name}.json")
    s3.reset()
    second = synthetic_run(tmp_path / "reports", branch="main")
    publish(settings, second, log=quiet)
    shared = {
        f"/{bucket}/e2e/{k}"
        for k in ("index.html", "runs/index.json", "latest/index.html", "latest/main/index.html")
    }
    for request in s3.requests():
        if request["method"] in {"PUT", "POST", "DELETE"}:
            path = request["path"]
            assert (
                path.startswith(f"/{bucket}/e2e/runs/{second.name}/")
                or path in shared
                or (path == f"/{bucket}/e2e/entries/{second.name}.json")
            ), path
    assert read_objects(s3.endpoint, bucket, f"e2e/runs/{first.name}/") == first_objects
    assert read_objects(s3.endpoint, bucket, f"e2e/entries/{first.name}.json") == first_entry


def test_dry_run_prints_the_plan_and_writes_nothing(s3: S3Server, tmp_path: Path) -> None:
    bucket = make_bucket(s3.endpoint, public=False)
    run_dir = synthetic_run(tmp_path / "reports")
    before = tree_digest(run_dir)
    lines: list[str] = []
    s3.reset()
    result = publish(settings_for(bucket, tmp_path), run_dir, dry_run=True, log=quiet, out=lines.append)
    assert result.dry_run and s3.puts() == []
    assert any(line.startswith(f"PUT runs/{run_dir.name}/run.json") for line in lines)
    assert any("image/png" in line for line in lines)
    assert any("would generate the site report" in line for line in lines)
    assert tree_digest(run_dir) == before


class _Interleaving(S3Target):
    """Runs ``meanwhile`` just before this target first writes the shared index page: the
    moment another build's whole publish can slip in between our LIST and our write."""

    def __init__(self, *args, meanwhile, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.meanwhile = meanwhile

    def put(self, uploads, on_bytes=None):  # noqa: ANN001, ANN201
        if self.meanwhile and any(u.key == "index.html" for u in uploads):
            action, self.meanwhile = self.meanwhile, None
            action()
        return super().put(uploads, on_bytes)


def test_a_publish_that_slips_in_between_is_not_lost(s3: S3Server, tmp_path: Path) -> None:
    bucket = make_bucket(s3.endpoint, public=False)
    settings = settings_for(bucket, tmp_path)
    run_a = synthetic_run(tmp_path / "reports", branch="a")
    run_b = synthetic_run(tmp_path / "reports", branch="b")

    def other_build_publishes() -> None:
        publish(settings, run_b, log=quiet)

    target = _Interleaving(bucket, "e2e", meanwhile=other_build_publishes)
    notes: list[str] = []
    publish_run(target, run_a, settings, log=notes.append)
    assert any("rebuilding" in note for note in notes), "the stale write was noticed"
    index = json.loads(read_objects(s3.endpoint, bucket, "e2e/runs/index.json")["e2e/runs/index.json"])
    assert {r["run_id"] for r in index["runs"]} == {run_a.name, run_b.name}
    page = read_objects(s3.endpoint, bucket, "e2e/index.html")["e2e/index.html"].decode()
    assert run_a.name in page and run_b.name in page


def test_threads_publishing_at_once_all_appear(s3: S3Server, tmp_path: Path) -> None:
    bucket = make_bucket(s3.endpoint, public=False)
    settings = settings_for(bucket, tmp_path)
    runs = [synthetic_run(tmp_path / "reports", branch="main") for _ in range(4)]
    errors: list[BaseException] = []

    def publish_one(run: Path) -> None:
        try:
            publish(settings, run, log=quiet)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=publish_one, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    target = S3Target(bucket, "e2e")
    index, _ = publish_site(target, log=quiet)
    assert set(index.entries) == {r.name for r in runs}
    assert len(latest_pages(index)) == 2


def test_local_target_has_the_same_layout(tmp_path: Path) -> None:
    site = tmp_path / "site"
    settings = settings_for(None, tmp_path)
    run_dir = synthetic_run(tmp_path / "reports", branch="main")
    before = tree_digest(run_dir)
    result = publish_run(LocalTarget(site), run_dir, settings, log=quiet)
    assert (site / "index.html").is_file()
    assert (site / "latest" / "main" / "index.html").is_file()
    assert (site / "entries" / f"{run_dir.name}.json").is_file()
    assert (site / "runs" / run_dir.name / "run.json").read_bytes() == (run_dir / "run.json").read_bytes()
    # From disk, links go to the single-file report: a multi-file one cannot load its data there.
    # The run has no report of its own, so one is made for the site (not in the run folder).
    single = site / "runs" / run_dir.name / "report-single-file" / "index.html"
    assert result.url == single.resolve().as_uri()
    assert is_single_file(single)
    assert tree_digest(run_dir) == before
    page = (site / "index.html").read_text()
    assert f'href="runs/{run_dir.name}/report-single-file/index.html"' in page
    snapshot = {p: p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file()}
    again = publish_run(open_target(settings, to=site), run_dir, settings, log=quiet)
    assert again.uploaded == 0 and again.site_updates == 0
    assert {p: p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file()} == snapshot


def test_the_site_report_is_made_at_a_lower_cpu_priority_and_a_run_report_is_not(tmp_path: Path) -> None:
    """A publish makes the site's report beside its upload, which is what it waits for: the
    report's CLI runs niced (10), so the upload's threads come first. ``e2e report`` (nothing
    beside it) runs at the caller's priority. The CLI's Node is a wrapper that writes down its
    niceness and then runs the real one."""
    from runner.report.allure import generate_report
    from runner.report.tools import ReportTools

    real = ReportTools.from_settings(settings_for(None, tmp_path)).node_binary()
    assert real is not None
    seen = tmp_path / "niceness"
    wrapper = tmp_path / "node"
    wrapper.write_text(f'#!/bin/sh\nnice >> {seen}\nexec {real} "$@"\n')
    wrapper.chmod(0o755)
    settings = settings_for(None, tmp_path, node=str(wrapper))
    run_dir = synthetic_run(tmp_path / "reports", branch="main")
    own = os.getpriority(os.PRIO_PROCESS, 0)
    generate_report(run_dir, settings, output=tmp_path / "report")
    assert seen.read_text().split() == [str(own)]
    seen.unlink()
    publish_run(LocalTarget(tmp_path / "site"), run_dir, settings, log=quiet)
    made = seen.read_text().split()  # from disk: the multi-file report and a single-file one
    assert made and set(made) == {str(min(own + 10, 19))}, made


def test_without_a_bucket_the_site_goes_under_reports(tmp_path: Path) -> None:
    run_dir = synthetic_run(tmp_path / "reports")
    settings = settings_for(None, tmp_path)
    target = open_target(settings)
    assert isinstance(target, LocalTarget)
    result = publish_run(target, run_dir, settings, log=quiet)
    assert result.target == str((tmp_path / "reports" / "site").resolve())


def test_presign_needs_a_bucket(tmp_path: Path) -> None:
    run_dir = synthetic_run(tmp_path / "reports")
    before = tree_digest(run_dir)
    with pytest.raises(PublishError, match="--presign needs an S3 bucket"):
        publish(settings_for(None, tmp_path), run_dir, presign=600, log=quiet)
    assert tree_digest(run_dir) == before


class _Dying(S3Target):
    """Loses the connection after a few uploads, like a build killed or a network gone mid-publish."""

    def put(self, uploads, on_bytes=None):  # noqa: ANN001, ANN201
        from botocore.exceptions import EndpointConnectionError

        report = super().put(uploads[:5], on_bytes)
        for upload in uploads[5:]:
            report.failed[upload.key] = EndpointConnectionError(endpoint_url="http://gone")
        return report


def test_a_publish_cut_off_halfway_is_invisible_and_resumes(s3: S3Server, tmp_path: Path) -> None:
    bucket = make_bucket(s3.endpoint, public=False)
    settings = settings_for(bucket, tmp_path)
    run_dir = synthetic_run(tmp_path / "reports")
    before = tree_digest(run_dir)
    with pytest.raises(PublishError, match="unreachable.*publish again to resume"):
        publish_run(_Dying(bucket, "e2e"), run_dir, settings, log=quiet)
    assert tree_digest(run_dir) == before
    listed = read_objects(s3.endpoint, bucket)
    assert len([k for k in listed if k.startswith("e2e/runs/")]) == 5
    assert not any(k.startswith("e2e/entries/") or k == "e2e/index.html" for k in listed), "no half run shown"
    s3.reset()
    result = publish(settings, run_dir, log=quiet)
    assert result.skipped == 5
    assert not any(p["path"] in {f"/{bucket}/{k}" for k in listed} for p in s3.puts()), (
        "done work is not redone"
    )
    index = json.loads(read_objects(s3.endpoint, bucket, "e2e/runs/index.json")["e2e/runs/index.json"])
    assert [r["run_id"] for r in index["runs"]] == [run_dir.name]


class _LosesTheReport(S3Target):
    """Every upload of the site report fails (the rest goes through), as when a publish is cut
    off while the parallel uploads of the report are still running."""

    def put(self, uploads, on_bytes=None):  # noqa: ANN001, ANN201
        from botocore.exceptions import EndpointConnectionError

        lost = [u for u in uploads if "/report/" in u.key]
        report = super().put([u for u in uploads if u not in lost], on_bytes)
        for upload in lost:
            report.failed[upload.key] = EndpointConnectionError(endpoint_url="http://gone")
        return report


def test_a_site_report_cut_off_halfway_is_made_again(s3: S3Server, tmp_path: Path) -> None:
    bucket = make_bucket(s3.endpoint, public=False)
    settings = settings_for(bucket, tmp_path)
    run_dir = synthetic_run(tmp_path / "reports")
    root = f"e2e/runs/{run_dir.name}/"
    with pytest.raises(PublishError, match="publish again to resume"):
        publish_run(_LosesTheReport(bucket, "e2e"), run_dir, settings, log=quiet)
    # The history is what says "this target has the site report": it must not be there
    # while the report is not, or the next publish would never make it again.
    assert root + "history.jsonl" not in read_objects(s3.endpoint, bucket, root)
    result = publish(settings, run_dir, log=quiet)
    objects = read_objects(s3.endpoint, bucket, root)
    assert root + "report/index.html" in objects and root + "history.jsonl" in objects
    assert result.url and result.url.endswith(f"{root}report/index.html")
