"""Process inspection, in one place, on psutil (the well-kept library for it).

Nothing else under ``runner/`` reads ``/proc``: a process's liveness, owner, process group
and command line come from here, as does stopping a whole process group. Every question
is answered for one process at a time and an answer psutil cannot give (the process is
gone, or not ours to inspect) is the safe one: "not alive" for a vanished process, "does
not match" for a process that cannot be read, so nothing is signalled on a guess.

And the one setting every Node process the runner starts gets (``node_compile_cache``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import psutil


def alive(pid: int) -> bool:
    """The process exists and is not a zombie; a zombie child of this process is reaped."""
    if pid <= 0:
        return False
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True  # it exists, under another user


def owned_by_me(proc: psutil.Process) -> bool:
    """The process runs as this user (its effective uid, the owner of its ``/proc`` entry)."""
    return proc.uids().effective == os.getuid()


def group_of(pid: int) -> int | None:
    """The process group of ``pid``, or None if it is gone."""
    try:
        return os.getpgid(pid)
    except (ProcessLookupError, PermissionError):
        return None


def command_line(proc: psutil.Process) -> list[str]:
    """The process's argv (empty for a zombie or a kernel thread)."""
    return list(proc.cmdline())


def my_processes_in_group(pgid: int, *, leader_first: bool = True) -> Iterator[psutil.Process]:
    """This user's processes in process group ``pgid``: the leader first (if it is still there), then the rest.

    Processes that vanish or cannot be read while being looked at are skipped.
    """
    if leader_first:
        with contextlib.suppress(psutil.Error):
            leader = psutil.Process(pgid)
            if owned_by_me(leader) and group_of(pgid) == pgid:
                yield leader
    # The group asked of each pid first (one system call), a Process made only for its members:
    # a scan of every process's details would take twice as long on a busy machine.
    for pid in psutil.pids():
        if (leader_first and pid == pgid) or group_of(pid) != pgid:
            continue
        try:
            proc = psutil.Process(pid)
            if owned_by_me(proc):
                yield proc
        except psutil.Error:
            continue


def _still_running(procs: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Those of ``procs`` still running (zombies count as ended) once all ended or ``timeout`` passed.

    Not ``psutil.wait_procs``: it waits for a zombie that is not this process's child to be reaped,
    which under a PID 1 that never reaps (a container's plain command) is never.
    """
    deadline = time.monotonic() + timeout
    while True:
        procs = [p for p in procs if p.is_running() and alive(p.pid)]
        if not procs or time.monotonic() >= deadline:
            return procs
        time.sleep(0.05)


def stop_group(pgid: int, grace_s: float = 5.0) -> None:
    """End process group ``pgid``: SIGTERM to the whole group, waited for up to ``grace_s``, then
    SIGKILL to whatever is left (waited for too, so nothing of it runs on after this returns)."""
    members = list(my_processes_in_group(pgid))
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGTERM)
    left = _still_running(members, grace_s)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
    _still_running(left, grace_s)


def busy_renderers(root_pid: int, *, sample_s: float = 1.0, min_cpu: float = 10.0) -> list[psutil.Process]:
    """Chromium's renderer processes under ``root_pid`` (``--type=renderer``, this user's) that used at
    least ``min_cpu`` % of a core over ``sample_s`` seconds: a page stuck in a script loop uses all it
    is given (a whole core on an idle machine, well under half of one on a crowded build host), an
    idle page next to nothing."""
    try:
        descendants = psutil.Process(root_pid).children(recursive=True)
    except psutil.Error:
        return []
    renderers = []
    for proc in descendants:
        with contextlib.suppress(psutil.Error):
            if owned_by_me(proc) and "--type=renderer" in command_line(proc):
                proc.cpu_percent(None)  # the first call only starts the sample
                renderers.append(proc)
    time.sleep(sample_s)
    busy = []
    for proc in renderers:
        with contextlib.suppress(psutil.Error):
            if proc.cpu_percent(None) >= min_cpu:
                busy.append(proc)
    return busy


def kill(proc: psutil.Process) -> bool:
    """SIGKILL one process (a renderer: Chromium notices its end at once). True if it was signalled."""
    try:
        proc.kill()
    except psutil.Error:
        return False
    return True


NODE_COMPILE_CACHE = "NODE_COMPILE_CACHE"


def user_cache_dir() -> Path:
    """This runner's folder in the user's cache (``XDG_CACHE_HOME``, else ``~/.cache``), as it is
    set now: the Allure CLI ``e2e install`` puts there, Node's compile cache, the build numbers of
    ``e2e codebuild-local``. Not made here; each user of it makes its own subfolder."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "e2e-runner"


def node_compile_cache() -> dict[str, str]:
    """``NODE_COMPILE_CACHE`` for a Node process the runner starts (Playwright's driver and browser
    server, Allure's CLI): V8's compiled code of their JavaScript, kept between runs, takes about
    0.08 s off each start (0.28 -> 0.21 s for the driver here). The image sets its own, made at
    build; elsewhere it is the runner's folder in the user's cache. A value already set (empty:
    off) is the user's and kept; a cache folder that cannot be made means no cache, not an error.
    """
    if NODE_COMPILE_CACHE in os.environ:
        return {}
    folder = user_cache_dir() / "node-compile-cache"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return {}
    return {NODE_COMPILE_CACHE: str(folder)}
