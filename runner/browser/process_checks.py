"""Is the shared server alive, answering, and ours? Checks on its process and its port.

A pid read from a state file is trusted only when its process group holds, under this
user, the ``launch-server`` this runner started with that state folder's launch
configuration: a stale entry (a pid reused since) or a forged one is never signalled.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import psutil

from runner import processes
from runner.browser.state_files import ServerInfo


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def answers_http(port: int, timeout: float) -> bool:
    """The server answers a plain HTTP request (Playwright's launch-server says "Running")."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            return sock.recv(16).startswith(b"HTTP/1.")
    except OSError:
        return False


def healthy(info: ServerInfo, *, probe_s: float = 0.0) -> bool:
    """The server's process is alive and its port accepts connections.

    ``probe_s`` > 0: it must also answer an HTTP request within that time. Only the probe tells a hung
    server (stopped, or its event loop stuck) from a live one, as the kernel accepts connections for it;
    it is used where a failure is already in hand, since a busy server may answer slowly.
    """
    if not (processes.alive(info.pid) and port_open(info.port)):
        return False
    return probe_s <= 0 or answers_http(info.port, probe_s)


def is_launch_server(argv: list[str], config_path: Path) -> bool:
    """The command line of ``python -m playwright launch-server ... --config <config_path>``
    (the wrapper this runner starts) or of the driver it runs (``node .../cli.js launch-server ...``)."""
    if "launch-server" not in argv or "--config" not in argv:
        return False
    at = argv.index("--config") + 1
    if at >= len(argv) or os.path.abspath(argv[at]) != str(config_path):
        return False
    return any(
        arg == "playwright" or (arg.endswith("cli.js") and "playwright" in arg) for arg in argv[: at - 1]
    )


def is_our_server(pid: int, config_path: Path) -> bool:
    """True only if process group ``pid`` is a launch-server this user started with ``config_path``.

    The group leader is checked first; if it has gone (the Python wrapper killed), another member of
    the group (the Node driver) may still prove it. A pid is never reused while its group has members,
    so a verified member makes signalling the whole group safe.
    """
    if pid <= 1 or pid == os.getpgrp():
        return False
    for proc in processes.my_processes_in_group(pid):
        try:
            if is_launch_server(processes.command_line(proc), config_path):
                return True
        except psutil.Error:
            continue
    return False
