"""Ctrl-C and SIGTERM in the middle of a run: nothing that ran is lost, nothing is left running.

Each case starts a real run (``e2e run`` or ``pytest``) in a process group of its own,
waits until the second scenario is inside its slow step, and signals it as a terminal
(Ctrl-C goes to the whole foreground group) or ``docker stop`` / CodeBuild's timeout
(SIGTERM to the one process) would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import DATA, E2E, E2EProject, processes

pytestmark = pytest.mark.slow


_group_alive = processes.in_group  # pids of processes still in a process group


def _browser_pid(project: E2EProject) -> int:
    for state in (project.root / ".e2e-state").glob("browser-*.json"):
        return int(json.loads(state.read_text())["pid"])
    raise AssertionError("no shared browser state file")


def _start(project: E2EProject, cmd: list[str]) -> tuple[subprocess.Popen, Path]:
    project.add_feature("interrupted.feature")
    project.add_steps("slow_steps.py", (DATA / "slow_steps.py").read_text())
    marker = project.root / "waiting"
    env = project.env(E2E_TEST_WAITING_MARKER=str(marker))
    proc = subprocess.Popen(
        cmd,
        cwd=project.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120

    def quick_done() -> bool:  # under xdist "Quick" runs beside "Slow": wait for its final screenshot
        return any(project.root.glob("reports/*/evidence/*test_quick*/*final-state*.png"))

    while not (marker.exists() and quick_done()):
        assert proc.poll() is None, proc.stdout.read()
        assert time.monotonic() < deadline, "the slow scenario never started"
        time.sleep(0.2)
    time.sleep(1.0)  # and for its report to reach the controller
    return proc, marker


def _finish(proc: subprocess.Popen) -> str:
    try:
        out, _ = proc.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError("the interrupted run did not end within 90 s") from None
    return out


def _assert_written_up(project: E2EProject, output: str, *, serial: bool = True) -> dict:
    (run_dir,) = project.runs()
    summary = json.loads((run_dir / "run.json").read_text())
    assert summary["status"] == "interrupted", output
    statuses = {s["name"]: s["status"] for s in summary["scenarios"]}
    assert statuses.get("Quick") == "passed", statuses
    assert statuses.get("Slow") is None, "the interrupted scenario is not reported as passed or failed"
    if serial:
        assert "Never reached" not in statuses
    assert (run_dir / "junit.xml").stat().st_size > 0
    assert json.loads((run_dir / "cucumber.json").read_text())
    assert (project.root / "reports" / "latest").resolve() == run_dir.resolve()
    return summary


def test_ctrl_c_during_e2e_run_writes_up_the_run_and_stops_the_browser(e2e_project: E2EProject) -> None:
    proc, _ = _start(e2e_project, [E2E, "run"])
    browser = _browser_pid(e2e_project)
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
    output = _finish(proc)
    assert proc.returncode == 2, output
    _assert_written_up(e2e_project, output)
    assert (e2e_project.runs()[0] / "report" / "index.html").is_file(), "the report of what ran is made"
    assert _group_alive(browser) == [], "the shared browser was left running"


def test_sigterm_to_e2e_run_is_passed_on_and_written_up(e2e_project: E2EProject) -> None:
    proc, _ = _start(e2e_project, [E2E, "run", "--no-report"])
    browser = _browser_pid(e2e_project)
    os.kill(proc.pid, signal.SIGTERM)  # docker stop: to the one process
    output = _finish(proc)
    assert proc.returncode == 2, output
    _assert_written_up(e2e_project, output)
    assert _group_alive(browser) == []


def test_sigterm_to_pytest_under_xdist_is_written_up(e2e_project: E2EProject) -> None:
    proc, _ = _start(e2e_project, [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "2"])
    browser = _browser_pid(e2e_project)
    os.kill(proc.pid, signal.SIGTERM)
    output = _finish(proc)
    assert proc.returncode == 2, output
    _assert_written_up(e2e_project, output, serial=False)  # "Never reached" ran on the other worker
    assert _group_alive(browser) == []
    assert _group_alive(proc.pid) == [], "xdist workers left running"


def test_a_second_ctrl_c_stops_at_once_and_still_releases_the_browser(e2e_project: E2EProject) -> None:
    proc, _ = _start(e2e_project, [E2E, "run"])
    browser = _browser_pid(e2e_project)
    os.killpg(proc.pid, signal.SIGINT)
    time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGINT)
    output = _finish(proc)
    assert proc.returncode != 0, output
    deadline = time.monotonic() + 15
    while _group_alive(browser) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _group_alive(browser) == [], "the shared browser was left running"


def test_a_run_over_its_time_limit_stops_written_up_beside_pytest_timeouts_alarm(
    e2e_project: E2EProject,
) -> None:
    """An app that hangs every page must not hold a build until CodeBuild kills it: the run's
    own limit stops it, and what ran is written up. pytest-timeout's signal method owns SIGALRM
    (re-armed and cancelled per test); the run's limit is a timer thread of its own, so neither
    cancels the other (``--timeout 100`` is armed for the slow scenario, which sleeps 120 s)."""
    e2e_project.add_feature("interrupted.feature")
    e2e_project.add_steps("slow_steps.py", (DATA / "slow_steps.py").read_text())
    run = e2e_project.pytest("--timeout", "100", E2E_RUN_TIMEOUT="12", timeout=120)
    assert run.returncode == 2, run.output
    assert "run_timeout = 12 s" in run.output
    assert "+ Timeout +" not in run.output, "pytest-timeout fired: the run's own limit did not"
    summary = _assert_written_up(e2e_project, run.output)
    assert summary["status"] == "interrupted"


def test_e2e_run_exits_4_on_a_bad_setting(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("two_scenarios.feature")
    run = e2e_project.e2e("run", E2E_VIEWPORT="huge")
    assert run.returncode == 4, run.output
    assert "E2E_VIEWPORT (environment) = 'huge'" in run.output
    assert "Traceback" not in run.output
