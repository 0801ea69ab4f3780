"""Faults while publishing, each against the real thing: the ``e2e publish`` command as a
process (or ``publish_run``), talking to the loopback S3 server of ``tests.support.s3`` with its
fault injection (503 SlowDown, connections closed without an answer, a server that is not S3).

Catalogue (area | what is tried | what must happen):

- endpoint | AWS_ENDPOINT_URL_S3 names an HTTP server that answers 404 to everything |
  the message says the endpoint does not look like S3 and names AWS_ENDPOINT_URL_S3, not the bucket
- endpoint | a bucket that really is missing, on the real S3 server | still "does not exist"
- transient faults | every 3rd object PUT dropped (connection closed, no answer) and every
  7th answered 503 SlowDown | the publish retries and completes; every file on the bucket is
  byte-identical to the run folder, which is unchanged
- a file streamed from disk (above the size read whole for its PUT) whose connection is dropped
  after its body was sent | the retry sends it again from its start: the object is byte-identical
  and its ETag the one the publish computes to skip it next time
- persistent faults | every PUT of the run's evidence dropped, or answered SlowDown, on every
  retry (AWS_MAX_ATTEMPTS=2) | exit 1 with a message saying what broke and "publish again to
  resume", no traceback, nothing of the run visible (no entry, no index), the run folder
  byte-identical; the next publish (faults gone) uploads only what is missing and completes
- faults after the commit point | the run's entry is written, every write of index.html
  dropped | exit 1, clear message; the next publish uploads nothing of the run and completes the index
- concurrency | ten ``e2e publish`` processes of ten runs to one bucket at the same moment |
  all exit 0; all ten runs are in runs/index.json and index.html; latest/ is the newest run

Kept elsewhere, not repeated here: throttling on every 4th PUT retried
(``test_publish.py::test_throttling_is_retried``), a publish cut off after five uploads
resumes (``test_publish.py::test_a_publish_cut_off_halfway_is_invisible_and_resumes``), an
unreachable endpoint (``test_publish_errors.py::test_endpoint_unreachable``). Names (branch
names, run ids, evidence file names), the reports folder and its settings:
``test_faults_names.py``.
"""

from __future__ import annotations

import http.server
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from runner.publish.s3_target import READ_WHOLE, S3Target
from runner.publish.target import Upload
from runner.serving import serve_in_background
from tests.support import E2E
from tests.support.runs import synthetic_run, tree_digest
from tests.support.s3 import S3Server, aws_env, client_env, make_bucket, read_objects, running_server

ROOT = Path(__file__).resolve().parents[1]
# The report tooling is the machine's; every other E2E_* is this test's own.
_KEPT = {"E2E_TOOLS_DIR", "E2E_NODE"}
_AWS_CLEARED = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_MAX_ATTEMPTS")


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def fault_server() -> Iterator[S3Server]:
    """A server of this module's own: its faults never reach another module's tests."""
    with running_server() as server:
        yield server


@pytest.fixture
def s3f(fault_server: S3Server) -> Iterator[S3Server]:
    """The module's server without faults at the start and at the end of the test."""
    fault_server.set_faults()
    try:
        yield fault_server
    finally:
        fault_server.set_faults()


def process_env(endpoint: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not (k.startswith("E2E_") and k not in _KEPT) and k not in _AWS_CLEARED
    }
    env.update(client_env(endpoint))
    env["E2E_REPORTS_DIR"] = str(tmp_path / "reports")
    # The test's own temporary folder: what a cut-off publish keeps for the next one is there.
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env["TMPDIR"] = str(tmp_path / "tmp")
    env.update(extra)
    return env


def e2e_publish(
    run_dir: Path, env: dict[str, str], *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [E2E, "publish", str(run_dir), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_clear_failure(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "Traceback" not in output, output
    assert "is kept as it was" in output, output
    for needle in needles:
        assert needle in output, output


def run_files_on_bucket(endpoint: str, bucket: str, run_dir: Path) -> dict[str, bytes]:
    root = f"e2e/runs/{run_dir.name}/"
    return {k[len(root) :]: v for k, v in read_objects(endpoint, bucket, root).items()}


def assert_run_published(endpoint: str, bucket: str, run_dir: Path) -> None:
    """Every file of the run folder is on the bucket byte for byte, and the run is indexed."""
    on_bucket = run_files_on_bucket(endpoint, bucket, run_dir)
    for rel, data in tree_digest(run_dir).items():
        assert on_bucket.get(rel) == data, rel
    index = json.loads(read_objects(endpoint, bucket, "e2e/runs/index.json")["e2e/runs/index.json"])
    assert run_dir.name in {r["run_id"] for r in index["runs"]}
    assert run_dir.name in read_objects(endpoint, bucket, "e2e/index.html")["e2e/index.html"].decode()


def put_keys(server: S3Server, bucket: str) -> list[str]:
    """The keys (under the bucket) of every object PUT the server answered since its reset."""
    return [r["path"].removeprefix(f"/{bucket}/") for r in server.puts() if r["method"] == "PUT"]


# --------------------------------------------------------------------------- the endpoint


class _NotS3(http.server.BaseHTTPRequestHandler):
    """A web server, not S3: 404 and a page to every request."""

    def _not_found(self) -> None:
        body = b"<html><body>Not Found</body></html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _not_found

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        pass


@pytest.fixture
def not_s3() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotS3)
    serve_in_background(server)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_an_endpoint_answering_404_to_everything_is_not_blamed_on_the_bucket(
    not_s3: str, tmp_path: Path
) -> None:
    run_dir = synthetic_run(tmp_path / "reports")
    before = tree_digest(run_dir)
    proc = e2e_publish(run_dir, process_env(not_s3, tmp_path), "--bucket", "reports-bucket")
    assert_clear_failure(
        proc, "does not look like an S3 API", f"AWS_ENDPOINT_URL_S3={not_s3}", "404 Not Found"
    )
    assert "does not exist" not in proc.stderr, proc.stderr
    assert tree_digest(run_dir) == before


def test_a_missing_bucket_on_a_real_s3_is_still_called_missing(s3f: S3Server, tmp_path: Path) -> None:
    run_dir = synthetic_run(tmp_path / "reports")
    proc = e2e_publish(run_dir, process_env(s3f.endpoint, tmp_path), "--bucket", "no-such-bucket-at-all")
    assert_clear_failure(proc, "bucket 'no-such-bucket-at-all' does not exist", "--bucket (command line)")
    assert "does not look like" not in proc.stderr


# --------------------------------------------------------------------------- transient faults


@pytest.mark.slow
def test_dropped_connections_and_throttling_are_retried_to_completion(s3f: S3Server, tmp_path: Path) -> None:
    bucket = make_bucket(s3f.endpoint, public=False)
    run_dir = synthetic_run(tmp_path / "reports")
    before = tree_digest(run_dir)
    s3f.set_faults(drop_every=3, slowdown_every=7)
    s3f.reset()
    proc = e2e_publish(run_dir, process_env(s3f.endpoint, tmp_path), "--bucket", bucket)
    assert proc.returncode == 0, proc.stderr
    injected = [r["fault"] for r in s3f.requests() if r.get("fault")]
    assert "drop" in injected and "slowdown" in injected, "the faults really happened"
    s3f.set_faults()
    assert tree_digest(run_dir) == before
    assert_run_published(s3f.endpoint, bucket, run_dir)


def test_a_streamed_file_whose_connection_drops_is_sent_again_from_its_start(
    s3f: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = make_bucket(s3f.endpoint, public=False)
    small = tmp_path / "small.txt"
    small.write_bytes(b"first")
    large = tmp_path / "video.webm"
    large.write_bytes(os.urandom(READ_WHOLE + 1024 * 1024))  # streamed from the open file
    with aws_env(monkeypatch, s3f.endpoint):
        target = S3Target(bucket, "e2e")
        s3f.set_faults(
            drop_every=2
        )  # the second object PUT from now: its body read, then the connection closed
        assert not target.put([Upload.from_file("runs/a/small.txt", small)]).failed
        s3f.reset()
        upload = Upload.from_file("runs/a/video.webm", large)
        report = target.put([upload])
        assert not report.failed, report.failed
        assert [r.get("fault") for r in s3f.requests() if r["method"] == "PUT"][:2] == ["drop", None]
        s3f.set_faults()
        assert (
            read_objects(s3f.endpoint, bucket, "e2e/runs/a/")["e2e/runs/a/video.webm"] == large.read_bytes()
        )
        assert target.stat("runs/a/video.webm").etag == upload.etag


# --------------------------------------------------------------------------- persistent faults


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        ("drop_matching", ["broke off or timed out, again on every retry", "AWS_ENDPOINT_URL_S3="]),
        ("slowdown_matching", ["kept answering SlowDown (throttled or unavailable)"]),
    ],
)
def test_persistent_faults_fail_clearly_and_the_next_publish_resumes(
    s3f: S3Server, tmp_path: Path, fault: str, said: list[str]
) -> None:
    bucket = make_bucket(s3f.endpoint, public=False)
    run_dir = synthetic_run(tmp_path / "reports")
    before = tree_digest(run_dir)
    env = process_env(s3f.endpoint, tmp_path, AWS_MAX_ATTEMPTS="2")

    s3f.set_faults(**{fault: f"/runs/{run_dir.name}/evidence/"})
    failed = e2e_publish(run_dir, env, "--bucket", bucket)
    assert_clear_failure(failed, *said, f"runs/{run_dir.name}/evidence/", "publish again to resume")
    assert tree_digest(run_dir) == before
    first = run_files_on_bucket(s3f.endpoint, bucket, run_dir)
    assert first and not any(rel.startswith("evidence/") for rel in first)
    shared = read_objects(s3f.endpoint, bucket, "e2e/")
    assert not any(k.startswith("e2e/entries/") or k == "e2e/index.html" for k in shared), (
        "a run with files missing is not shown"
    )

    s3f.set_faults()
    s3f.reset()
    resumed = e2e_publish(run_dir, env, "--bucket", bucket)
    assert resumed.returncode == 0, resumed.stderr
    root = f"e2e/runs/{run_dir.name}/"
    sent = [k.removeprefix(root) for k in put_keys(s3f, bucket) if k.startswith(root)]
    final = run_files_on_bucket(s3f.endpoint, bucket, run_dir)
    assert not set(sent) & set(first), (
        f"files already uploaded went up again: {sorted(set(sent) & set(first))}"
    )
    assert set(sent) == set(final) - set(first), "exactly what was missing went up"
    assert {rel for rel in before if rel not in first} <= set(sent)
    # The site report made by the first publish is the one completed, not a new one.
    assert "reports: kept in" in failed.stderr
    assert "taking over those made by the publish that was cut off" in resumed.stderr
    assert not list((tmp_path / "tmp" / f"e2e-publish-kept-{os.getuid()}").iterdir()), "nothing left kept"
    assert tree_digest(run_dir) == before
    assert_run_published(s3f.endpoint, bucket, run_dir)


def test_ctrl_c_while_uploading_stops_the_publish_at_once_and_the_next_one_completes_it(
    s3f: S3Server, tmp_path: Path
) -> None:
    """The uploads are in flight (every evidence PUT answered SlowDown, retried many times)
    and the site's report is being made beside them: Ctrl-C ends the publish within seconds,
    shows nothing of the run, and the next publish completes it."""
    bucket = make_bucket(s3f.endpoint, public=False)
    run_dir = synthetic_run(tmp_path / "reports")
    before = tree_digest(run_dir)
    env = process_env(s3f.endpoint, tmp_path, AWS_MAX_ATTEMPTS="50", AWS_RETRY_MODE="standard")
    s3f.set_faults(slowdown_matching=f"/runs/{run_dir.name}/evidence/")
    proc = subprocess.Popen(
        [E2E, "publish", str(run_dir), "--bucket", bucket],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not any(r.get("fault") for r in s3f.requests()):
        assert proc.poll() is None and time.monotonic() < deadline, "the uploads never started"
        time.sleep(0.2)
    time.sleep(1)
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: the whole foreground process group
    stopped = time.monotonic()
    try:
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert time.monotonic() - stopped < 20, f"Ctrl-C took {time.monotonic() - stopped:.0f} s to stop it"
    assert proc.returncode != 0, err
    assert tree_digest(run_dir) == before
    shared = read_objects(s3f.endpoint, bucket, "e2e/")
    assert not any(k.startswith("e2e/entries/") or k == "e2e/index.html" for k in shared), (
        "an interrupted publish shows nothing of the run"
    )

    s3f.set_faults()
    resumed = e2e_publish(run_dir, process_env(s3f.endpoint, tmp_path), "--bucket", bucket)
    assert resumed.returncode == 0, resumed.stderr
    assert tree_digest(run_dir) == before
    assert_run_published(s3f.endpoint, bucket, run_dir)


def test_faults_after_the_commit_point_are_completed_by_the_next_publish(
    s3f: S3Server, tmp_path: Path
) -> None:
    bucket = make_bucket(s3f.endpoint, public=False)
    run_dir = synthetic_run(tmp_path / "reports")
    before = tree_digest(run_dir)
    env = process_env(s3f.endpoint, tmp_path, AWS_MAX_ATTEMPTS="2")
    s3f.set_faults(drop_matching=f"/{bucket}/e2e/index.html")
    failed = e2e_publish(run_dir, env, "--bucket", bucket)
    assert_clear_failure(failed, "uploading index.html", "publish again")
    objects = read_objects(s3f.endpoint, bucket, "e2e/")
    assert f"e2e/entries/{run_dir.name}.json" in objects, "the run was committed"
    assert "e2e/index.html" not in objects

    s3f.set_faults()
    s3f.reset()
    again = e2e_publish(run_dir, env, "--bucket", bucket)
    assert again.returncode == 0, again.stderr
    assert not [k for k in put_keys(s3f, bucket) if k.startswith(f"e2e/runs/{run_dir.name}/")]
    assert tree_digest(run_dir) == before
    assert_run_published(s3f.endpoint, bucket, run_dir)


# --------------------------------------------------------------------------- concurrency


@pytest.mark.slow
def test_ten_publishes_at_once_all_appear(s3f: S3Server, tmp_path: Path) -> None:
    bucket = make_bucket(s3f.endpoint, public=False)
    # run.json times are in whole seconds: each run starts a second after the one before.
    start = datetime.now(UTC)
    runs = [
        synthetic_run(tmp_path / "reports", branch=f"b{i % 3}", started=start + timedelta(seconds=i))
        for i in range(10)
    ]
    env = process_env(s3f.endpoint, tmp_path, E2E_REPORT_BUCKET=bucket)
    procs = [
        subprocess.Popen(
            [E2E, "publish", str(run)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for run in runs
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        assert out.strip().startswith(f"s3://{bucket}/e2e/runs/")
    index = json.loads(read_objects(s3f.endpoint, bucket, "e2e/runs/index.json")["e2e/runs/index.json"])
    assert {r["run_id"] for r in index["runs"]} == {r.name for r in runs}
    page = read_objects(s3f.endpoint, bucket, "e2e/index.html")["e2e/index.html"].decode()
    assert all(run.name in page for run in runs)
    latest = read_objects(s3f.endpoint, bucket, "e2e/latest/index.html")["e2e/latest/index.html"].decode()
    assert runs[-1].name in latest
    for i in range(3):
        newest_of_branch = [r for n, r in enumerate(runs) if n % 3 == i][-1]
        key = f"e2e/latest/b{i}/index.html"
        assert newest_of_branch.name in read_objects(s3f.endpoint, bucket, key)[key].decode()
