"""The shared browser: idempotent start, safe under a race, stopped whole, used by the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support import E2E, E2EProject, processes


@pytest.fixture
def state_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("E2E_")}
    env["E2E_STATE_DIR"] = str(tmp_path / "state")
    return env


def _e2e(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([E2E, *args], env=env, capture_output=True, text=True, timeout=120)


_alive = processes.running


def test_start_is_idempotent_and_safe_when_processes_race(state_env: dict[str, str]) -> None:
    try:
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda _: _e2e(state_env, "browser", "start"), range(4)))
        assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
        pids = {r.stdout.split("pid=")[1].split()[0] for r in results}
        assert len(pids) == 1, f"several browsers started: {pids}"
        assert sum(r.stdout.startswith("started") for r in results) == 1
        status = _e2e(state_env, "browser", "status")
        assert status.returncode == 0 and f"pid={pids.pop()}" in status.stdout
    finally:
        stop = _e2e(state_env, "browser", "stop")
    assert stop.stdout.strip() == "stopped"
    assert _e2e(state_env, "browser", "status").returncode == 1


def test_stop_ends_node_and_chromium_together(state_env: dict[str, str]) -> None:
    started = _e2e(state_env, "browser", "start")
    assert started.returncode == 0, started.stderr
    state = next(Path(state_env["E2E_STATE_DIR"]).glob("browser-*.json"))
    server = json.loads(state.read_text())["pid"]
    members = {server} | processes.descendants(server)
    names = processes.names(members)
    assert any("chrom" in n for n in names) and any(n.startswith("node") for n in names), names
    assert _e2e(state_env, "browser", "stop").returncode == 0
    assert not [pid for pid in members if _alive(pid)]


def test_a_run_reuses_a_browser_started_ahead_and_leaves_it_running(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("two_scenarios.feature")
    env = e2e_project.env()
    started = subprocess.run([E2E, "browser", "start"], env=env, capture_output=True, text=True, timeout=120)
    try:
        pid = started.stdout.split("pid=")[1].split()[0]
        run = e2e_project.pytest("-n", "2")
        assert run.returncode == 0, run.output
        status = subprocess.run([E2E, "browser", "status"], env=env, capture_output=True, text=True)
        assert f"pid={pid}" in status.stdout, "the run replaced or stopped a browser it did not start"
    finally:
        subprocess.run([E2E, "browser", "stop"], env=env, capture_output=True, timeout=60)


def test_private_browsers_run_without_a_server(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("failing.feature")
    run = e2e_project.pytest("--browser-server", "private", E2E_EXPECT_TIMEOUT="1500")
    assert run.returncode == 1, run.output
    assert run.run_json()["counts"] == {
        "total": 2,
        "passed": 1,
        "failed": 1,
        "broken": 0,
        "skipped": 0,
        "flaky": 0,
        "quarantined": 0,
    }
    assert list((run.run_dir / "evidence").rglob("trace.zip"))
    assert not list((e2e_project.root / ".e2e-state").glob("browser-*.json")), "private mode started a server"


def test_video_of_failures_or_a_clear_message_without_ffmpeg(e2e_project: E2EProject) -> None:
    from runner.browser.chromium import playwright_ffmpeg

    e2e_project.add_feature("failing.feature")
    run = e2e_project.pytest("--video", "retain-on-failure", E2E_EXPECT_TIMEOUT="1500")
    if playwright_ffmpeg() is None:
        assert run.returncode == 4, run.output
        assert (
            "--video (command line) = 'retain-on-failure': recording video needs Playwright's ffmpeg"
            in run.output
        )
        assert "playwright install ffmpeg" in run.output
        return
    assert run.returncode == 1, run.output
    videos = list((run.run_dir / "evidence").rglob("video.webm"))
    assert len(videos) == 1 and "login_shows" in videos[0].parent.name, videos


def test_two_runs_at_once_share_the_browser_and_the_first_to_end_leaves_it_to_the_other(
    e2e_project: E2EProject,
) -> None:
    """The run that started the shared browser ends while another run is mid-scenario on it."""
    e2e_project.add_steps("signals.py")
    e2e_project.add_feature(
        "short.feature",
        """Feature: The run that starts the browser
  Scenario: Ends while the other run is still on its page
    Given I open "/"
    When I wait for the signal "long-run-started"
""",
    )
    e2e_project.add_feature(
        "long.feature",
        """Feature: The run that outlives it
  Scenario: Still on the page after the other run ended
    Given I open "/login"
    When I signal "long-run-started"
    And I wait for the signal "short-run-ended"
    Then I see the heading "Sign in"
""",
    )
    env = e2e_project.env()
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]

    def start(feature: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*cmd, f"features/{feature}"],
            cwd=e2e_project.root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    short = start("short.feature")
    state_dir = Path(env["E2E_STATE_DIR"])
    deadline = time.monotonic() + 120
    while not list(state_dir.glob("browser-*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)  # the long run must find the browser the short run started
    long = start("long.feature")
    short_out, _ = short.communicate(timeout=300)
    (e2e_project.root / "short-run-ended").touch()
    long_out, _ = long.communicate(timeout=300)
    assert short.returncode == 0, short_out
    assert long.returncode == 0, long_out
    assert not list(state_dir.glob("browser-*.json")), "the last run out left the browser running"
