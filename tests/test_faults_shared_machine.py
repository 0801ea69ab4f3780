"""A build machine shared with other users: the browser's state folder is verified, never trusted.

The state folder holds the shared browser's address, its launch configuration (which program
to start) and its pid (what ``stop`` signals). Whoever can write there could start a program of
theirs as this user or have this user kill any process. So the folder must be this user's own,
mode 0700 and not a symbolic link; its files are never written through a symbolic link; and a
pid read from it is signalled only if that process is verifiably our launch-server.

Another user is simulated as root can: a folder made 0777, a symbolic link, a chown to uid 12345.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from runner.browser.server import SharedBrowser, UnsafeStateError
from runner.settings import resolve
from tests.support import E2E, E2EProject, processes
from tests.support.project import inner_env

OTHER_UID = 12345


def _env(**extra: str) -> dict[str, str]:
    env = inner_env(("E2E_", "PYTEST_", "XDG_RUNTIME_DIR"))
    env.update(extra)
    return env


def _e2e(env: dict[str, str], *args: str, umask: int = -1) -> subprocess.CompletedProcess[str]:
    return subprocess.run([E2E, *args], env=env, capture_output=True, text=True, timeout=120, umask=umask)


_running = processes.running


def _state_file(state: Path, tmp_path: Path) -> Path:
    """The state file ``e2e browser`` uses for this folder (its name hashes the launch configuration)."""
    return SharedBrowser.from_settings(resolve(tmp_path, environ={"E2E_STATE_DIR": str(state)})).state_path()


_browser_processes = processes.mentioning


@pytest.fixture
def bystander() -> Iterator[subprocess.Popen[bytes]]:
    """An unrelated process of this user's, leading its own process group (as a server would)."""
    proc = subprocess.Popen(["sleep", "60"], start_new_session=True)
    yield proc
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


# --- the folder -------------------------------------------------------------------------------


def _assert_folder_refused(run: subprocess.CompletedProcess[str], folder: Path, problem: str) -> None:
    assert run.returncode != 0, run.stdout + run.stderr
    assert f"The browser state folder {folder}" in run.stderr, run.stderr
    assert problem in run.stderr, run.stderr
    assert "Remove it" in run.stderr and "set E2E_STATE_DIR" in run.stderr, run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    assert not _browser_processes(str(folder)), "a browser was started anyway"


def test_a_folder_others_can_write_to_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    state.chmod(0o777)
    run = _e2e(_env(E2E_STATE_DIR=str(state)), "browser", "start")
    _assert_folder_refused(run, state, "has mode 0777, not 0700")
    assert "E2E_STATE_DIR (environment)" in run.stderr
    assert list(state.iterdir()) == [], "files were written into the refused folder"


def test_a_folder_that_is_a_symbolic_link_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    state = tmp_path / "state"
    state.symlink_to(elsewhere)
    run = _e2e(_env(E2E_STATE_DIR=str(state)), "browser", "start")
    _assert_folder_refused(run, state, "is a symbolic link")
    assert list(elsewhere.iterdir()) == [], "files were written through the link"


def test_a_folder_of_another_user_is_refused(tmp_path: Path) -> None:
    if os.getuid() != 0:
        pytest.skip("only root can give a folder to another uid")
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    os.chown(state, OTHER_UID, OTHER_UID)
    for command in ("start", "status", "stop"):
        run = _e2e(_env(E2E_STATE_DIR=str(state)), "browser", command)
        _assert_folder_refused(run, state, f"belongs to uid {OTHER_UID}, not to this user (uid 0)")
    assert list(state.iterdir()) == []


def test_the_default_folder_in_the_shared_temp_folder_is_checked_too(tmp_path: Path) -> None:
    """No E2E_STATE_DIR and no XDG_RUNTIME_DIR: ``$TMPDIR/e2e-runner-<uid>``, pre-created by "another user"."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    tmp.chmod(0o1777)  # like /tmp
    planted = tmp / f"e2e-runner-{os.getuid()}"
    planted.mkdir()
    planted.chmod(0o777)
    run = _e2e(_env(TMPDIR=str(tmp)), "browser", "start")
    _assert_folder_refused(run, planted, "has mode 0777, not 0700")
    assert "chmod 700" in run.stderr


def test_the_folder_is_made_0700_under_xdg_runtime_dir_and_its_files_0600(tmp_path: Path) -> None:
    runtime = tmp_path / "run-user"
    runtime.mkdir(mode=0o700)
    env = _env(XDG_RUNTIME_DIR=str(runtime), TMPDIR=str(tmp_path))
    started = _e2e(env, "browser", "start", umask=0)  # the modes must not depend on the umask
    try:
        assert started.returncode == 0, started.stderr
        state = runtime / "e2e-runner"
        assert stat.S_IMODE(state.lstat().st_mode) == 0o700
        files = sorted(state.iterdir())
        assert {p.suffix for p in files} >= {".json", ".lock", ".log", ".launch"}, files
        assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in files} == {p.name: 0o600 for p in files}
        assert not (tmp_path / f"e2e-runner-{os.getuid()}").exists(), "the temp folder was used anyway"
        assert _e2e(env, "browser", "status").returncode == 0
    finally:
        assert _e2e(env, "browser", "stop").stdout.strip() == "stopped"


# --- its files --------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".json", ".lock", ".log", ".launch"])
def test_a_state_file_that_is_a_symbolic_link_is_refused_and_its_target_untouched(
    tmp_path: Path, suffix: str
) -> None:
    state = tmp_path / "state"
    env = _env(E2E_STATE_DIR=str(state))
    state.mkdir(mode=0o700)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    victim.chmod(0o644)
    link = _state_file(state, tmp_path).with_suffix(suffix)
    link.symlink_to(victim)

    run = _e2e(env, "browser", "start")
    try:
        assert run.returncode != 0, run.stdout
        assert f"The browser state file {link} is a symbolic link" in run.stderr, run.stderr
        assert "Traceback" not in run.stderr, run.stderr
    finally:
        _e2e(env, "browser", "stop")
    assert victim.read_text() == "precious\n", "written through the link"
    assert stat.S_IMODE(victim.stat().st_mode) == 0o644
    assert link.is_symlink(), "the planted link was replaced: the runner must refuse, not tidy up silently"
    assert not _browser_processes(str(state)), "a browser was started anyway"


def test_a_hold_folder_that_is_a_symbolic_link_is_refused(tmp_path: Path) -> None:
    """The hold files of a run (``ensure(hold=True)``) are not created through a planted link."""
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _state_file(state, tmp_path).with_suffix(".holds").symlink_to(elsewhere)
    shared = SharedBrowser.from_settings(resolve(tmp_path, environ={"E2E_STATE_DIR": str(state)}))
    try:
        with pytest.raises(UnsafeStateError, match=r"\.holds is not a folder of this user's"):
            shared.ensure(hold=True)
    finally:
        shared.stop()
    assert list(elsewhere.iterdir()) == []


# --- the pid in a state file ------------------------------------------------------------------


def _forge(state_file: Path, pid: int, port: int, *, persistent: bool = True) -> None:
    state_file.parent.mkdir(mode=0o700, exist_ok=True)
    state_file.write_text(
        json.dumps(
            {
                "ws_endpoint": f"ws://127.0.0.1:{port}/forged",
                "pid": pid,
                "port": port,
                "chromium": "/usr/bin/true",
                "headless": True,
                "started_at": time.time(),
                "log_file": str(state_file.with_suffix(".log")),
                "persistent": persistent,
            }
        )
    )


@pytest.fixture
def open_port() -> Iterator[int]:
    """A port that accepts connections, so the forged server even passes the port check."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_stop_does_not_kill_an_unrelated_process_named_in_a_forged_state_file(
    tmp_path: Path, bystander: subprocess.Popen[bytes], open_port: int
) -> None:
    state = tmp_path / "state"
    env = _env(E2E_STATE_DIR=str(state))
    state_file = _state_file(state, tmp_path)
    _forge(state_file, bystander.pid, open_port)

    status = _e2e(env, "browser", "status")
    assert status.returncode == 1 and status.stdout.strip() == "not running", status.stdout
    stop = _e2e(env, "browser", "stop")
    assert stop.returncode == 0 and stop.stdout.strip() == "not running", stop.stdout + stop.stderr
    time.sleep(0.5)  # a SIGTERM would have ended `sleep` at once
    assert _running(bystander.pid), "e2e browser stop killed a process that was not its browser"
    assert not state_file.exists(), "the stale entry was kept"


@pytest.mark.parametrize("pid", [0, 1, -1, "1234", True])
def test_a_forged_pid_that_is_not_a_process_id_is_ignored(
    tmp_path: Path, open_port: int, pid: object
) -> None:
    """pid 0 or -1 would signal the caller's own process group, or every process it may signal."""
    state = tmp_path / "state"
    state_file = _state_file(state, tmp_path)
    _forge(state_file, pid, open_port)  # type: ignore[arg-type]
    stop = _e2e(_env(E2E_STATE_DIR=str(state)), "browser", "stop")
    assert stop.returncode == 0 and stop.stdout.strip() == "not running", stop.stdout + stop.stderr


def test_a_browser_server_of_another_state_folder_is_not_ours_to_stop(tmp_path: Path) -> None:
    """A real launch-server, but started with another folder's configuration (another project, or
    another user's folder copied here): still not the one this folder's ``stop`` may signal."""
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    env_theirs = _env(E2E_STATE_DIR=str(theirs))
    started = _e2e(env_theirs, "browser", "start")
    assert started.returncode == 0, started.stderr
    try:
        info = json.loads(_state_file(theirs, tmp_path).read_text())
        _forge(_state_file(mine, tmp_path), info["pid"], info["port"])
        assert _e2e(_env(E2E_STATE_DIR=str(mine)), "browser", "stop").stdout.strip() == "not running"
        status = _e2e(env_theirs, "browser", "status")
        assert status.returncode == 0 and f"pid={info['pid']}" in status.stdout, status.stdout
    finally:
        assert _e2e(env_theirs, "browser", "stop").stdout.strip() == "stopped"


def test_a_run_replaces_a_forged_entry_without_killing_its_process(
    e2e_project: E2EProject, bystander: subprocess.Popen[bytes], open_port: int
) -> None:
    """A pytest run finds the forged entry, starts its own browser beside it, and at its end stops
    only that one (the forged entry even claims a non-persistent server the run might stop)."""
    e2e_project.add_feature(
        "home.feature",
        """Feature: Home
  Scenario: The home page opens
    Given I open "/"
    Then I see the heading "Welcome to the Demo Bookshop"
""",
    )
    state = e2e_project.root / ".e2e-state"
    _forge(_state_file(state, e2e_project.root), bystander.pid, open_port, persistent=False)
    run = e2e_project.pytest(E2E_EXPECT_TIMEOUT="5000")
    assert run.returncode == 0, run.output
    assert _running(bystander.pid), "the run killed a process that was not its browser"
    assert not list(state.glob("browser-*.json")), "the run left a state entry behind"
    assert not _browser_processes(str(state)), "the run left its own browser running"
