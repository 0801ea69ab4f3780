"""runner.browser.process_checks: is the server alive, answering, and ours?"""

from __future__ import annotations

import http.server
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from runner.browser import process_checks
from runner.browser.state_files import ServerInfo
from runner.serving import serve_in_background

CONFIG = Path("/state/browser-abc.launch")


@pytest.mark.parametrize(
    ("argv", "ours"),
    [
        (
            ["python", "-m", "playwright", "launch-server", "--browser", "chromium", "--config", str(CONFIG)],
            True,
        ),
        (["/x/node", "/x/playwright/package/cli.js", "launch-server", "--config", str(CONFIG)], True),
        (["python", "-m", "playwright", "launch-server", "--config", "/other/browser-abc.launch"], False),
        (["python", "-m", "playwright", "run-server", "--config", str(CONFIG)], False),
        (["sleep", "launch-server", "--config", str(CONFIG)], False),
        (["python", "-m", "playwright", "launch-server", "--config"], False),
    ],
)
def test_only_the_launch_server_of_this_configuration_is_recognised(argv: list[str], ours: bool) -> None:
    assert process_checks.is_launch_server(argv, CONFIG) is ours


def test_no_pid_of_this_process_group_or_below_two_is_ever_ours() -> None:
    for pid in (0, 1, -1, os.getpgrp()):
        assert not process_checks.is_our_server(pid, CONFIG)
    assert not process_checks.is_our_server(os.getpid(), CONFIG)  # a live process, but not a launch-server


@pytest.fixture
def http_port() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    serve_in_background(server)
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_health_needs_a_live_process_and_an_open_port_and_the_probe_an_answer(http_port: int) -> None:
    info = ServerInfo("ws://x", os.getpid(), http_port, "/c", True, 0.0, "l")
    assert process_checks.healthy(info) and process_checks.healthy(info, probe_s=2.0)
    with socket.socket() as silent:  # accepts connections (the kernel does) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        assert process_checks.port_open(port)
        assert not process_checks.answers_http(port, 0.2)
    assert not process_checks.port_open(process_checks.free_port())
    assert not process_checks.healthy(ServerInfo("ws://x", 2**22 + 1, http_port, "/c", True, 0.0, "l"))
