"""Publishing a run folder: layout, headers, skipping unchanged objects, a concurrency-safe index.

Against a real S3 API server on loopback (moto's, started by ``s3_server``); run folders are
synthetic here (the shape the plugin writes) so these stay fast. ``test_publish_browser``
does the same with real runs in real Chromium.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from publish_runs import synthetic_run, tree_digest
from s3_server import S3Server, aws_env, head, make_bucket, read_objects, start_server
from s3_server import s3 as s3  # noqa: F401 - fixture
from s3_server import s3_server as s3_server  # noqa: F401 - fixture

from runner import publish as publish_module
from runner import targets as targets_module
from runner.publish.headers import IMMUTABLE, NO_CACHE, headers_for
from runner.report.offline import third_party_urls
from runner.publish.progress import Progress
from runner.publish.publisher import PublishError, publish_run, publish_site
from runner.publish.index import RunIndex, branch_slug, entry_from_run, latest_pages, render_index
from runner.settings import resolve
from runner.publish.targets import LocalTarget, S3Target

ROOT = Path(__file__).resolve().parents[1]
E2E = [sys.executable, "-c", "from runner.cli import main; main()"]


def settings_for(bucket: str | None, tmp_path: Path, **extra: str):
    return resolve(ROOT, {"report_bucket": bucket, "reports_dir": str(tmp_path / "reports"), **extra})


def quiet(_: str) -> None:
    pass


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
    entry = entry_from_run(_run_json(), published_files={"evidence/x/failed.png"})
    assert entry.failures[0].screenshot is None, "a path out of the run folder is never linked"
    assert entry.failures[0].error == "AssertionError: <svg onload=alert(3)>"
    html = render_index(RunIndex({entry.run_id: ("etag", entry)}), title="runs").decode()
    for raw in ("<script>alert(1)", "<img src=x", "<svg onload", "<b>main</b>", "javascript:"):
        assert raw not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Content-Security-Policy" in html


def test_entry_links_only_published_files() -> None:
    run = _run_json(scenarios=[{"name": "s", "status": "failed", "screenshot": "evidence/s/failed.png"}])
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
    result = publish_run(settings_for(bucket, tmp_path), run_dir, log=quiet)
    run_id = run_dir.name
    objects = read_objects(s3.endpoint, bucket)
    root = f"e2e/runs/{run_id}/"
    for rel, data in tree_digest(run_dir).items():
        if not rel.split("/")[-1].startswith("."):
            assert objects[root + rel] == data, rel
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


def test_second_publish_of_an_unchanged_run_makes_zero_puts(s3: S3Server, tmp_path: Path) -> None:
    bucket = make_bucket(s3.endpoint, public=False)
    run_dir = synthetic_run(tmp_path / "reports")
    settings = settings_for(bucket, tmp_path)
    publish_run(settings, run_dir, log=quiet)
    before = read_objects(s3.endpoint, bucket)
    s3.reset()
    result = publish_run(settings, run_dir, log=quiet)
    assert s3.puts() == []
    assert result.uploaded == 0 and result.site_updates == 0 and result.skipped > 0
    assert read_objects(s3.endpoint, bucket) == before


def test_a_changed_file_is_the_only_upload(s3: S3Server, tmp_path: Path) -> None:
    bucket = make_bucket(s3.endpoint, public=False)
    run_dir = synthetic_run(tmp_path / "reports")
    settings = settings_for(bucket, tmp_path)
    publish_run(settings, run_dir, log=quiet)
    (run_dir / "junit.xml").write_text('<?xml version="1.0"?><testsuites tests="2"/>\n')
    s3.reset()
    publish_run(settings, run_dir, log=quiet)
    assert [p["path"] for p in s3.puts()] == [f"/{bucket}/e2e/runs/{run_dir.name}/junit.xml"]


def test_multipart_objects_are_skipped_when_unchanged(
    s3: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # S3's smallest part is 5 MiB; with that as threshold an 11 MiB trace goes up in 3 parts,
    # and its ETag (an MD5 of MD5s) must be computed locally the same way.
    monkeypatch.setattr(targets_module, "MULTIPART_THRESHOLD", 5 * 1024 * 1024)
    monkeypatch.setattr(targets_module, "MULTIPART_CHUNKSIZE", 5 * 1024 * 1024)
    bucket = make_bucket(s3.endpoint, public=False)
    run_dir = synthetic_run(tmp_path / "reports")
    (run_dir / "evidence" / "trace.zip").write_bytes(os.urandom(11 * 1024 * 1024))
    settings = settings_for(bucket, tmp_path)
    publish_run(settings, run_dir, log=quiet)
    etag = head(s3.endpoint, bucket, f"e2e/runs/{run_dir.name}/evidence/trace.zip")["ETag"]
    assert etag.strip('"').endswith("-3")
    s3.reset()
    publish_run(settings, run_dir, log=quiet)
    assert s3.puts() == []


def test_other_runs_are_never_touched(s3: S3Server, tmp_path: Path) -> None:
    bucket = make_bucket(s3.endpoint, public=False)
    settings = settings_for(bucket, tmp_path)
    first = synthetic_run(tmp_path / "reports", branch="main")
    publish_run(settings, first, log=quiet)
    first_objects = read_objects(s3.endpoint, bucket, f"e2e/runs/{first.name}/")
    first_entry = read_objects(s3.endpoint, bucket, f"e2e/entries/{first.name}.json")
    s3.reset()
    second = synthetic_run(tmp_path / "reports", branch="main")
    publish_run(settings, second, log=quiet)
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
    result = publish_run(settings_for(bucket, tmp_path), run_dir, dry_run=True, log=quiet, out=lines.append)
    assert result.dry_run and s3.puts() == []
    assert any(line.startswith(f"PUT runs/{run_dir.name}/run.json") for line in lines)
    assert any("image/png" in line for line in lines)
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


def test_a_publish_that_slips_in_between_is_not_lost(
    s3: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = make_bucket(s3.endpoint, public=False)
    settings = settings_for(bucket, tmp_path)
    run_a = synthetic_run(tmp_path / "reports", branch="a")
    run_b = synthetic_run(tmp_path / "reports", branch="b")

    def other_build_publishes() -> None:
        publish_run(settings, run_b, log=quiet)

    target = _Interleaving(bucket, "e2e", meanwhile=other_build_publishes)
    monkeypatch.setattr(publish_module, "open_target", lambda *_a, **_k: target)
    notes: list[str] = []
    publish_run(settings, run_a, log=notes.append)
    monkeypatch.undo()
    assert any("rebuilding" in note for note in notes), "the stale write was noticed"
    index = json.loads(read_objects(s3.endpoint, bucket, "e2e/runs/index.json")["e2e/runs/index.json"])
    assert {r["run_id"] for r in index["runs"]} == {run_a.name, run_b.name}
    page = read_objects(s3.endpoint, bucket, "e2e/index.html")["e2e/index.html"].decode()
    assert run_a.name in page and run_b.name in page


def test_concurrent_publishes_all_appear(s3: S3Server, tmp_path: Path) -> None:
    bucket = make_bucket(s3.endpoint, public=False)
    runs = [synthetic_run(tmp_path / "reports", branch=f"b{i % 2}") for i in range(5)]
    env = {**os.environ, "E2E_REPORT_BUCKET": bucket, "E2E_REPORTS_DIR": str(tmp_path / "reports")}
    procs = [
        subprocess.Popen(
            [*E2E, "publish", str(run)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for run in runs
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        assert out.strip().startswith(s3.endpoint)
    index = json.loads(read_objects(s3.endpoint, bucket, "e2e/runs/index.json")["e2e/runs/index.json"])
    assert {r["run_id"] for r in index["runs"]} == {r.name for r in runs}
    page = read_objects(s3.endpoint, bucket, "e2e/index.html")["e2e/index.html"].decode()
    assert all(run.name in page for run in runs)
    newest = runs[-1]  # started last; ids made in the same second do not sort by time
    latest = read_objects(s3.endpoint, bucket, "e2e/latest/index.html")["e2e/latest/index.html"].decode()
    assert newest.name in latest


def test_threads_publishing_at_once_all_appear(s3: S3Server, tmp_path: Path) -> None:
    bucket = make_bucket(s3.endpoint, public=False)
    settings = settings_for(bucket, tmp_path)
    runs = [synthetic_run(tmp_path / "reports", branch="main") for _ in range(4)]
    # Reports are prepared first so the threads race on the S3 side only.
    for run in runs:
        publish_run(settings, run, to=tmp_path / "warmup", log=quiet)
    errors: list[BaseException] = []

    def publish(run: Path) -> None:
        try:
            publish_run(settings, run, log=quiet)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=publish, args=(run,)) for run in runs]
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
    run_dir = synthetic_run(tmp_path / "reports", branch="main")
    result = publish_run(settings_for(None, tmp_path), run_dir, to=site, log=quiet)
    assert (site / "index.html").is_file()
    assert (site / "latest" / "main" / "index.html").is_file()
    assert (site / "entries" / f"{run_dir.name}.json").is_file()
    assert (site / "runs" / run_dir.name / "run.json").read_bytes() == (run_dir / "run.json").read_bytes()
    # From disk, links go to the single-file report: a multi-file one cannot load its data there.
    assert (
        result.url == (site / "runs" / run_dir.name / "report-single-file" / "index.html").resolve().as_uri()
    )
    page = (site / "index.html").read_text()
    assert f'href="runs/{run_dir.name}/report-single-file/index.html"' in page
    snapshot = {p: p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file()}
    again = publish_run(settings_for(None, tmp_path), run_dir, to=site, log=quiet)
    assert again.uploaded == 0 and again.site_updates == 0
    assert {p: p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file()} == snapshot


def test_without_a_bucket_the_site_goes_under_reports(tmp_path: Path) -> None:
    run_dir = synthetic_run(tmp_path / "reports")
    settings = settings_for(None, tmp_path)
    result = publish_run(settings, run_dir, log=quiet)
    assert result.target == str((tmp_path / "reports" / "site").resolve())
    assert isinstance(publish_module.open_target(settings), LocalTarget)


def test_presign_needs_a_bucket(tmp_path: Path) -> None:
    run_dir = synthetic_run(tmp_path / "reports")
    with pytest.raises(PublishError, match="--presign needs an S3 bucket"):
        publish_run(settings_for(None, tmp_path), run_dir, presign=600, log=quiet)


def test_throttling_is_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = start_server({"E2E_TEST_SLOWDOWN_EVERY": "4"})
    try:
        with aws_env(monkeypatch, server.endpoint):
            bucket = make_bucket(server.endpoint, public=False)
            run_dir = synthetic_run(tmp_path / "reports")
            publish_run(settings_for(bucket, tmp_path), run_dir, log=quiet)
            throttled = [r for r in server.requests() if r["method"] == "PUT"]
            objects = read_objects(server.endpoint, bucket, f"e2e/runs/{run_dir.name}/")
        assert len(throttled) > len(objects), "some PUTs were answered with SlowDown and retried"
        for rel, data in tree_digest(run_dir).items():
            if not rel.split("/")[-1].startswith("."):
                assert objects[f"e2e/runs/{run_dir.name}/{rel}"] == data
    finally:
        server.stop()


class _Dying(S3Target):
    """Loses the connection after a few uploads, like a build killed or a network gone mid-publish."""

    def put(self, uploads, on_bytes=None):  # noqa: ANN001, ANN201
        from botocore.exceptions import EndpointConnectionError

        report = super().put(uploads[:5], on_bytes)
        for upload in uploads[5:]:
            report.failed[upload.key] = EndpointConnectionError(endpoint_url="http://gone")
        return report


def test_a_publish_cut_off_halfway_is_invisible_and_resumes(
    s3: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = make_bucket(s3.endpoint, public=False)
    settings = settings_for(bucket, tmp_path)
    run_dir = synthetic_run(tmp_path / "reports")
    monkeypatch.setattr(publish_module, "open_target", lambda *_a, **_k: _Dying(bucket, "e2e"))
    with pytest.raises(PublishError, match="unreachable.*publish again to resume"):
        publish_run(settings, run_dir, log=quiet)
    monkeypatch.undo()
    listed = read_objects(s3.endpoint, bucket)
    assert len([k for k in listed if k.startswith("e2e/runs/")]) == 5
    assert not any(k.startswith("e2e/entries/") or k == "e2e/index.html" for k in listed), "no half run shown"
    s3.reset()
    with aws_env(monkeypatch, s3.endpoint):
        result = publish_run(settings, run_dir, log=quiet)
    assert result.skipped == 5
    assert not any(p["path"] in {f"/{bucket}/{k}" for k in listed} for p in s3.puts()), (
        "done work is not redone"
    )
    index = json.loads(read_objects(s3.endpoint, bucket, "e2e/runs/index.json")["e2e/runs/index.json"])
    assert [r["run_id"] for r in index["runs"]] == [run_dir.name]
