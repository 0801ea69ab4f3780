"""The browser and the app under test failing under a run: each failure stays that run's (or that
scenario's), the run ends in bounded time, run.json is complete, nothing is left running.

- a run whose own connection options are bad fails alone; the shared browser, which other
  runs use, keeps running;
- the browser server killed while a step runs: that scenario fails saying the browser went
  away, the next one runs on a fresh browser, and no process of it is left;
- an app that answers 500, or accepts connections and never answers: the steps fail within
  their timeouts (``E2E_NAVIGATION_TIMEOUT`` for page loads).
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from runner.browser import session as session_module
from runner.browser.process_checks import healthy
from runner.browser.server import SharedBrowser
from runner.browser.session import BrowserSession
from runner.serving import serve_in_background
from runner.settings import resolve
from tests.support import E2E, E2EProject, processes

HANG_GUARD_S = 120  # not a speed target: a run that reaches it hung


def _e2e(project: E2EProject, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [E2E, *args], cwd=project.root, env=project.env(), capture_output=True, text=True, timeout=120
    )


def _status_pid(project: E2EProject) -> int | None:
    status = _e2e(project, "browser", "status")
    return int(status.stdout.split("pid=")[1].split()[0]) if status.returncode == 0 else None


_running = processes.running


def _processes(*, mentioning: str = "", group: int = 0) -> list[str]:
    """Live processes whose command line contains ``mentioning``, or that are in process group ``group``."""
    found = processes.mentioning(mentioning) if mentioning else []
    if group:
        found += [processes.describe(pid) for pid in processes.in_group(group)]
    return found


def _scenario(run_json: dict, name: str) -> dict:
    matches = [s for s in run_json["scenarios"] if s["name"] == name]
    assert len(matches) == 1, [s["name"] for s in run_json["scenarios"]]
    return matches[0]


# --- a run's own connection problem is not the shared browser's -------------------------------


def test_a_run_that_cannot_connect_fails_alone_and_leaves_the_shared_browser_running(
    e2e_project: E2EProject,
) -> None:
    """Playwright refuses this run's slow_mo (not JSON) on the client side, before anything reaches
    the server: the run fails, and the browser started ahead for every run is the same one after."""
    e2e_project.add_feature("two_scenarios.feature")
    e2e_project.add_file("impossible_slow_mo_conftest.py", "conftest.py")
    started = _e2e(e2e_project, "browser", "start")
    assert started.returncode == 0, started.stderr
    pid = int(started.stdout.split("pid=")[1].split()[0])
    try:
        run = e2e_project.pytest(E2E_EXPECT_TIMEOUT="1500", timeout=HANG_GUARD_S)
        assert run.returncode == 1, run.output
        summary = run.run_json()
        assert summary["counts"]["total"] == 2 and summary["counts"]["passed"] == 0, summary["counts"]
        for scenario in summary["scenarios"]:
            assert "Could not connect to the shared browser" in scenario["error"], scenario
            assert "left running for other runs" in scenario["error"], scenario
            assert "Out of range float values are not JSON compliant" in scenario["error"], scenario
        assert _running(pid), "the run stopped the shared browser"
        assert _status_pid(e2e_project) == pid, "the run replaced the shared browser"

        # And another run, with good options, uses that same browser.
        (e2e_project.root / "conftest.py").unlink()
        run = e2e_project.pytest(E2E_EXPECT_TIMEOUT="5000", timeout=HANG_GUARD_S)
        assert run.returncode == 0, run.output
        assert _status_pid(e2e_project) == pid
    finally:
        _e2e(e2e_project, "browser", "stop")


# --- the browser killed mid-step --------------------------------------------------------------

KILLED_MID_STEP = """Feature: The browser is killed while a step runs

  Scenario: The browser goes away under a step
    Given I open "/"
    When the browser is killed while this step runs
    Then I see the heading "Welcome to the Demo Bookshop"

  Scenario: The next scenario runs on a fresh browser
    Given I open "/"
    Then I see the heading "Welcome to the Demo Bookshop"
    And I note which browser server this is
"""


def test_the_browser_killed_mid_step_fails_that_scenario_and_the_next_runs_on_a_fresh_one(
    e2e_project: E2EProject,
) -> None:
    e2e_project.add_feature("killed.feature", KILLED_MID_STEP)
    e2e_project.add_steps("killed_steps.py")
    state_dir = e2e_project.root / ".e2e-state"
    began = time.monotonic()
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"],
        cwd=e2e_project.root,
        env=e2e_project.env(E2E_EXPECT_TIMEOUT="5000"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    killed: int | None = None
    try:
        while not (e2e_project.root / "step-started").exists():
            assert run.poll() is None, run.communicate()[0]
            assert time.monotonic() - began < HANG_GUARD_S, "the step never started"
            time.sleep(0.05)
        killed = _status_pid(e2e_project)
        assert killed is not None, "no shared browser while the step runs"
        os.killpg(killed, signal.SIGKILL)  # Node and Chromium at once, as the OOM killer would
        (e2e_project.root / "browser-killed").touch()
        output, _ = run.communicate(timeout=HANG_GUARD_S)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert run.returncode == 1, output

    runs = e2e_project.runs()
    summary = json.loads((runs[-1] / "run.json").read_text())
    assert summary["counts"] == {
        "total": 2,
        "passed": 1,
        "failed": 1,
        "broken": 0,
        "skipped": 0,
        "flaky": 0,
        "quarantined": 0,
    }
    gone = _scenario(summary, "The browser goes away under a step")
    assert gone["status"] == "failed"
    assert gone["failed_step"] == 'Then I see the heading "Welcome to the Demo Bookshop"', gone
    assert "closed" in gone["error"], gone[
        "error"
    ]  # Playwright: "Target page, context or browser has been closed"
    assert _scenario(summary, "The next scenario runs on a fresh browser")["status"] == "passed"

    second = json.loads((e2e_project.root / "second-server.json").read_text())["pid"]
    assert second != killed, "the next scenario did not get a fresh browser"
    assert not list(state_dir.glob("browser-*.json")), "the run left its browser's state behind"
    assert _status_pid(e2e_project) is None
    left = [
        *_processes(mentioning=str(state_dir)),
        *_processes(group=killed),
        *_processes(group=second),
    ]
    assert not left, f"browser processes left running: {left}"


# --- the app under test failing ---------------------------------------------------------------


class _App(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_all_requests = threading.Event()


class _Answers500(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<h1>Internal Server Error</h1>"
        self.send_response(500)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _NeverAnswers(_Answers500):
    """Reads the request and never answers it (the run's preflight check excepted, so that the
    scenarios, not the preflight, meet the hang: an app that hangs once the run is under way)."""

    release = threading.Event()

    def do_GET(self) -> None:
        if "e2e-runner preflight" in self.headers.get("User-Agent", ""):
            super().do_GET()
            return
        self.release.wait(HANG_GUARD_S)


def _serve(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    app = _App(("127.0.0.1", 0), handler)
    thread = serve_in_background(app)
    try:
        yield f"http://127.0.0.1:{app.server_address[1]}"
    finally:
        _NeverAnswers.release.set()
        app.shutdown()
        app.server_close()
        thread.join(10)
        _NeverAnswers.release.clear()


@pytest.fixture
def app_500() -> Iterator[str]:
    yield from _serve(_Answers500)


@pytest.fixture
def app_hanging() -> Iterator[str]:
    yield from _serve(_NeverAnswers)


@pytest.fixture
def app_silent() -> Iterator[str]:
    """Accepts every connection and never reads or answers anything, the preflight included."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        for conn in held:
            conn.close()
        listener.close()


APP_FEATURE = """Feature: The app under test
  Scenario: The home page shows x
    Given I open "/"
    Then I see "x"
"""


def test_an_app_answering_500_fails_at_the_page_that_answered_it(
    e2e_project: E2EProject, app_500: str
) -> None:
    e2e_project.add_feature("app.feature", APP_FEATURE)
    began = time.monotonic()
    run = e2e_project.pytest("--expect-timeout", "1500", E2E_BASE_URL=app_500, timeout=HANG_GUARD_S)
    assert time.monotonic() - began < HANG_GUARD_S
    assert run.returncode == 1, run.output
    scenario = _scenario(run.run_json(), "The home page shows x")
    assert scenario["status"] == "failed"
    # I open checks the answer: the 500 is named where it happened, not as a later missing text.
    assert scenario["failed_step"] == 'Given I open "/"', scenario
    assert scenario["error"].startswith('I open "/": the app answered 500 '), scenario["error"]


@pytest.mark.slow  # each scenario: the 3 s page load, then two screenshots that time out after 1.5 s each
def test_an_app_that_never_answers_fails_the_page_load_within_the_navigation_timeout(
    e2e_project: E2EProject, app_hanging: str
) -> None:
    e2e_project.add_feature("app.feature", APP_FEATURE)
    e2e_project.add_feature("app_again.feature", APP_FEATURE.replace("home page", "start page"))
    began = time.monotonic()
    run = e2e_project.pytest(
        "--expect-timeout",
        "1500",
        E2E_BASE_URL=app_hanging,
        E2E_NAVIGATION_TIMEOUT="3000",
        E2E_ACTION_TIMEOUT="1500",  # the evidence screenshots of a page that never loaded wait this long
        timeout=HANG_GUARD_S,
    )
    assert time.monotonic() - began < HANG_GUARD_S
    assert run.returncode == 1, run.output
    summary = run.run_json()
    assert summary["counts"]["total"] == 2 and summary["counts"]["failed"] == 2, summary["counts"]
    for name in ("The home page shows x", "The start page shows x"):
        scenario = _scenario(summary, name)
        assert scenario["failed_step"] == 'Given I open "/"', scenario
        assert "Timeout 3000ms exceeded" in scenario["error"], scenario["error"]
    assert not list((e2e_project.root / ".e2e-state").glob("browser-*.json"))


def test_an_app_that_accepts_connections_but_never_answers_stops_the_run_before_any_scenario(
    e2e_project: E2EProject, app_silent: str
) -> None:
    """Nothing answers even the run's preflight request: the run ends with that said, not 30 s a scenario."""
    e2e_project.add_feature("app.feature", APP_FEATURE)
    began = time.monotonic()
    run = e2e_project.pytest("--expect-timeout", "1500", E2E_BASE_URL=app_silent, timeout=HANG_GUARD_S)
    assert time.monotonic() - began < HANG_GUARD_S
    assert run.returncode == 4, run.output
    assert f"The app under test is unreachable: {app_silent}" in run.output, run.output
    assert "timed out" in run.output, run.output
    summary = run.run_json()
    assert summary["exit_code"] == 4 and "unreachable" in summary["error"], summary
    assert not _processes(mentioning=str(e2e_project.root / ".e2e-state")), "a browser was started"


@pytest.mark.parametrize("workers", [None, "2"], ids=["serial", "two workers"])
def test_a_browser_that_cannot_start_stops_the_run_before_any_scenario(
    e2e_project: E2EProject, tmp_path: Path, workers: str | None
) -> None:
    """A shared browser that cannot start (a broken Chromium install) stops the run before any
    scenario, serial or under xdist: said once, exit 4 as any usage error, run.json says why,
    nothing of it left running."""
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\necho 'chromium: cannot open shared object file' >&2\nexit 127\n")
    broken.chmod(0o755)
    e2e_project.add_feature("app.feature", APP_FEATURE)
    args = ("-n", workers) if workers else ()
    run = e2e_project.pytest(*args, E2E_CHROMIUM=str(broken), timeout=HANG_GUARD_S)
    assert run.returncode == 4, run.output
    assert "The browser server exited at start" in run.output, run.output
    assert run.output.count("The browser server exited at start") == 1, run.output
    assert "Traceback" not in run.output, run.output
    summary = run.run_json()
    assert summary["exit_code"] == 4 and "exited at start" in summary["error"], summary
    assert summary["scenarios"] == [], summary["scenarios"]
    assert not _processes(mentioning=str(e2e_project.root / ".e2e-state")), "a browser process is left"


# --- the session and the server's health, driven directly -------------------------------------


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[SharedBrowser]:
    """A shared browser with a state folder of this test's own; whatever server is left is stopped after."""
    browser = SharedBrowser.from_settings(
        resolve(tmp_path, environ={"E2E_STATE_DIR": str(tmp_path / "state")})
    )
    yield browser
    browser.stop()


def _session(playwright, shared: SharedBrowser) -> BrowserSession:
    return BrowserSession(playwright, shared.launch.launch_options(), shared=shared)


def test_the_session_says_the_browser_went_away_and_gets_a_fresh_one(shared: SharedBrowser) -> None:
    with sync_playwright() as playwright:
        session = _session(playwright, shared)
        try:
            first = session.get()
            pid = shared.status().pid
            assert session.went_away() is None
            os.killpg(pid, signal.SIGKILL)
            deadline = time.monotonic() + 10  # the kill is delivered, not waited for
            while (note := session.went_away()) is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert note is not None and f"shared browser server (pid {pid}) is no longer running" in note, (
                note
            )
            assert note.startswith("The browser went away during this scenario")
            second = session.get()
            assert second is not first and second.is_connected()
            assert shared.status().pid != pid
            assert session.went_away() is None
        finally:
            session.close()


def test_a_hung_server_passes_the_port_check_but_not_the_probe(shared: SharedBrowser) -> None:
    info, _ = shared.ensure()
    os.killpg(info.pid, signal.SIGSTOP)  # Node frozen: the kernel still accepts connections for it
    try:
        assert healthy(info)
        assert not healthy(info, probe_s=1.0)
    finally:
        os.killpg(info.pid, signal.SIGCONT)
    assert healthy(info, probe_s=5.0)


def test_a_hung_server_is_replaced_when_a_connection_to_it_fails(
    shared: SharedBrowser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other side of the rule: a connect that fails against a server that does not answer is
    the server's fault, so it is stopped and a new one started (the timeouts shortened to keep the
    test short; the logic is the one a run uses)."""
    monkeypatch.setattr(session_module, "CONNECT_TIMEOUT_MS", 2_000)
    monkeypatch.setattr(session_module, "HEALTH_PROBE_S", 1.0)
    hung, _ = shared.ensure()
    os.killpg(hung.pid, signal.SIGSTOP)
    try:
        with sync_playwright() as playwright:
            session = _session(playwright, shared)
            try:
                assert session.get().is_connected()
            finally:
                session.close()
        assert not _running(hung.pid), "the hung server was left behind"
        assert shared.status().pid != hung.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(hung.pid, signal.SIGCONT)
