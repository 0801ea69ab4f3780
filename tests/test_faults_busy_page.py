"""A page stuck in a script loop, and a scenario past ``scenario_timeout``: each is ended by the
watchdog (``runner/plugin/watchdog.py``), reported as failed with the reason, and the run goes on
with the next scenario on the same shared browser, which stays healthy.

Short timeouts (1.5 s actions, evidence screenshots and checks, 2 s page loads) keep a step's
budget at 2 s + 10 s; the planted hang is ``page.evaluate`` on a page whose
``while (true) {}`` began after load (``evaluate`` has no timeout of its own).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from runner import processes
from runner.plugin.watchdog import BUSY
from tests.support import E2E, E2EProject

SHORT = {
    "E2E_ACTION_TIMEOUT": "1500",
    "E2E_EXPECT_TIMEOUT": "1500",
    "E2E_NAVIGATION_TIMEOUT": "2000",
    "E2E_API_TIMEOUT": "1500",
}


def _browser(project: E2EProject, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [E2E, "browser", command],
        cwd=project.root,
        env=project.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _status_pid(project: E2EProject) -> int:
    status = _browser(project, "status")
    assert status.returncode == 0, status.stdout + status.stderr
    return int(status.stdout.split("pid=")[1].split()[0])


def _scenarios(run) -> dict[str, dict]:
    return {s["name"]: s for s in run.run_json()["scenarios"]}


def test_a_busy_page_is_ended_and_the_run_goes_on(e2e_project: E2EProject) -> None:
    e2e_project.add_steps("busy_steps.py")
    e2e_project.add_feature("busy_page.feature")
    assert _browser(e2e_project, "start").returncode == 0
    try:
        pid = _status_pid(e2e_project)
        began = time.monotonic()
        run = e2e_project.pytest(timeout=180, **SHORT)
        took = time.monotonic() - began
        assert took < 60, f"took {took:.0f} s\n{run.output}"
        print(f"the busy-page run took {took:.1f} s")
        scenarios = _scenarios(run)
        busy = scenarios["The page stops responding"]
        assert busy["status"] == "failed", run.output
        assert busy["error"].splitlines()[0].startswith(BUSY), busy["error"]
        assert "asks the busy page for its title" in busy["failed_step"]
        assert scenarios["The next scenario runs"]["status"] == "passed", run.output
        assert "ended by the watchdog: features/busy_page.feature::" in run.output, run.output
        assert BUSY in run.output
        assert "starting a new one" not in run.output  # the same browser served the next scenario
        assert _status_pid(e2e_project) == pid  # and it is still healthy
        junit = (run.run_dir / "junit.xml").read_text()
        assert BUSY in junit
        assert (run.run_dir / "evidence").is_dir()
    finally:
        _browser(e2e_project, "stop")


def test_a_scenario_past_its_limit_is_ended_and_named_in_the_summary(e2e_project: E2EProject) -> None:
    e2e_project.add_steps("busy_steps.py")
    e2e_project.add_feature("slow_scenario.feature")
    began = time.monotonic()
    run = e2e_project.pytest(timeout=180, E2E_SCENARIO_TIMEOUT="4", **SHORT)
    assert time.monotonic() - began < 60, run.output
    scenarios = _scenarios(run)
    slow = scenarios["Too slow for its limit"]
    assert slow["status"] == "failed", run.output
    first = slow["error"].splitlines()[0]
    assert first.startswith("the scenario ran longer than scenario_timeout = 4 s"), first
    assert "E2E_SCENARIO_TIMEOUT" in first
    assert scenarios["The next scenario runs"]["status"] == "passed", run.output
    assert "ended by the watchdog: features/slow_scenario.feature::" in run.output
    assert "scenario_timeout = 4 s" in run.output


def test_with_a_private_browser_the_busy_renderer_is_ended(e2e_project: E2EProject) -> None:
    """No server to reach with a CDP connection of its own: the renderer using a whole core is ended."""
    e2e_project.add_steps("busy_steps.py")
    e2e_project.add_feature("busy_page.feature")
    began = time.monotonic()
    run = e2e_project.pytest(timeout=180, E2E_BROWSER_SERVER="private", **SHORT)
    assert time.monotonic() - began < 90, run.output
    scenarios = _scenarios(run)
    busy = scenarios["The page stops responding"]
    assert busy["status"] == "failed" and busy["error"].startswith(BUSY), run.output
    assert scenarios["The next scenario runs"]["status"] == "passed", run.output


def test_only_busy_renderers_are_found() -> None:
    """``busy_renderers`` picks this user's ``--type=renderer`` descendants using a core, not idle ones."""
    spin = subprocess.Popen([sys.executable, "-c", "while True: pass", "--type=renderer"])
    idle = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "--type=renderer"])
    other = subprocess.Popen([sys.executable, "-c", "while True: pass", "--type=gpu-process"])
    try:
        busy = [proc.pid for proc in processes.busy_renderers(os.getpid())]
        assert busy == [spin.pid]
        assert processes.kill(processes.busy_renderers(os.getpid())[0])
        assert spin.wait(timeout=10) == -signal.SIGKILL
    finally:
        for proc in (spin, idle, other):
            proc.kill()
            proc.wait()
