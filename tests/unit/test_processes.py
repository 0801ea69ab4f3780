"""runner.processes: liveness, groups and command lines on psutil; stopping a process group."""

from __future__ import annotations

import os
import sys
import time

import psutil

from runner import processes


def _fork(body) -> int:
    """A child of this process running ``body`` (os calls only), then ending without Python's cleanup."""
    pid = os.fork()
    if pid == 0:  # the child
        try:
            body()
        finally:
            os._exit(0)
    return pid


def test_this_process_is_alive_and_a_pid_that_cannot_exist_is_not() -> None:
    assert processes.alive(os.getpid())
    assert not processes.alive(0) and not processes.alive(-1)
    assert not processes.alive(2**22 + 12345)  # above Linux's pid_max


def test_a_child_that_ended_is_not_alive_and_is_reaped() -> None:
    pid = _fork(lambda: None)
    deadline = time.monotonic() + 10
    while processes.alive(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not processes.alive(pid)
    assert not psutil.pid_exists(pid), "the zombie was left unreaped"


def test_group_owner_and_command_line_of_this_process() -> None:
    me = psutil.Process()
    assert processes.group_of(os.getpid()) == os.getpgrp()
    assert processes.owned_by_me(me)
    assert processes.command_line(me)[0].endswith(os.path.basename(sys.executable)) or "python" in " ".join(
        processes.command_line(me)
    )
    assert os.getpid() in {p.pid for p in processes.my_processes_in_group(os.getpgrp())}
    assert processes.group_of(2**22 + 12345) is None


def test_stop_group_ends_every_member_of_the_group() -> None:
    def leader() -> None:
        os.setpgid(0, 0)
        _fork(lambda: time.sleep(60))  # a member that is not the leader
        time.sleep(60)

    pid = _fork(leader)
    deadline = time.monotonic() + 10
    while len(list(processes.my_processes_in_group(pid))) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    members = list(processes.my_processes_in_group(pid))
    assert len(members) == 2 and members[0].pid == pid, "the leader is named first"
    processes.stop_group(pid, grace_s=5)
    assert not processes.alive(pid)
    assert not any(m.is_running() and m.status() != psutil.STATUS_ZOMBIE for m in members)


def test_node_processes_get_a_compile_cache_in_the_users_cache_unless_one_is_set(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(processes.NODE_COMPILE_CACHE, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "cache" / "e2e-runner" / "node-compile-cache"
    assert processes.node_compile_cache() == {processes.NODE_COMPILE_CACHE: str(folder)}
    assert folder.is_dir()
    monkeypatch.setenv(processes.NODE_COMPILE_CACHE, "")  # the user's: off
    assert processes.node_compile_cache() == {}
    monkeypatch.delenv(processes.NODE_COMPILE_CACHE)
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))  # no folder can be made there: no cache
    assert processes.node_compile_cache() == {}


def test_the_runners_user_cache_follows_xdg_cache_home_as_it_is_now(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert processes.user_cache_dir() == tmp_path / "xdg" / "e2e-runner"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert processes.user_cache_dir() == tmp_path / "home" / ".cache" / "e2e-runner"
    monkeypatch.setenv("XDG_CACHE_HOME", "")  # empty is unset, as the XDG spec says
    assert processes.user_cache_dir() == tmp_path / "home" / ".cache" / "e2e-runner"
