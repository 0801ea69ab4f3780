"""Process checks for the tests and benchmarks, through psutil (no hand reading of /proc)."""

from __future__ import annotations

import os

import psutil


def running(pid: int) -> bool:
    """The process exists and is not a zombie (ended, waiting to be reaped)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        return False


def descendants(pid: int) -> set[int]:
    """Pids of every process below ``pid`` (children, their children...); empty once it is gone."""
    try:
        return {child.pid for child in psutil.Process(pid).children(recursive=True)}
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        return set()


def names(pids: set[int]) -> set[str]:
    """The short names (``comm``) of those of ``pids`` still there."""
    found = set()
    for pid in pids:
        try:
            found.add(psutil.Process(pid).name())
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def command_line(proc: psutil.Process) -> str:
    """A process's argv joined by spaces ("" if it cannot be read)."""
    try:
        return " ".join(proc.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return ""


def describe(pid: int) -> str:
    """``"<pid>: <command line>"`` (the command line empty once the process is gone)."""
    try:
        return f"{pid}: {command_line(psutil.Process(pid))}"
    except (psutil.NoSuchProcess, ValueError):
        return f"{pid}: "


def mentioning(text: str) -> list[str]:
    """``"<pid>: <command line>"`` of each live process whose command line contains ``text``."""
    return [
        f"{proc.pid}: {argv}"
        for proc in psutil.process_iter()
        if text in (argv := command_line(proc)) and running(proc.pid)
    ]


def in_group(pgid: int) -> list[int]:
    """Pids of live processes in process group ``pgid``."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.status() != psutil.STATUS_ZOMBIE and _pgid(proc.pid) == pgid:
                found.append(proc.pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None
