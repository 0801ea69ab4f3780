"""One shared headless Chromium for every test process: start it once, find it, heal it.

Playwright's ``launch-server`` starts ONE Chromium that any number of clients reach with
``chromium.connect(ws_endpoint)``; each client gets its own isolated contexts. This module
keeps that server's address in a small state file so that every pytest process and xdist
worker, the image's ENTRYPOINT and ``buildspec.yml``'s ``pre_build`` all find the same
browser. It is written by hand because no library manages a launch-server's lifetime:

- ``ensure()`` is idempotent and safe when several processes race (an ``flock`` around
  check-and-start), and replaces a server that died or stopped answering;
- the server runs in its own process group, so stopping it ends Node *and* Chromium
  (killing only the Python wrapper would leave both running);
- the state file is keyed by the launch configuration, so a headed debugging session
  never hijacks a headless CI browser;
- a server a test run started is stopped by the LAST run holding it (each run leaves a
  per-process hold file), so two runs in two terminals never pull the browser from under
  each other; one started ahead (``e2e browser start``, the image's ENTRYPOINT) is
  persistent and left running.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from runner.browser.chromium import find_chromium, launch_args
from runner.settings import Settings

START_TIMEOUT_S = 60.0


class BrowserServerError(Exception):
    """The shared browser could not be started; the message includes the server's log tail."""


@dataclass(frozen=True)
class ServerInfo:
    ws_endpoint: str
    pid: int
    port: int
    chromium: str
    headless: bool
    started_at: float
    log_file: str
    persistent: bool = False

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def state_dir(settings: Settings) -> Path:
    configured = settings.state_dir
    path = Path(configured) if configured else Path(tempfile.gettempdir()) / f"e2e-runner-{os.getuid()}"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _launch_config(settings: Settings) -> dict:
    return {
        "executablePath": find_chromium(settings),
        "headless": not settings.headed,
        "args": launch_args(settings),
    }


def _key(config: dict) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:12]


def _paths(settings: Settings, config: dict) -> tuple[Path, Path, Path]:
    base = state_dir(settings) / f"browser-{_key(config)}"
    return base.with_suffix(".json"), base.with_suffix(".lock"), base.with_suffix(".log")


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    with open(lock_path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still "exists"; reap it if it is ours.
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    return True


def _port_open(port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def healthy(info: ServerInfo) -> bool:
    return _alive(info.pid) and _port_open(info.port)


def _read(state_path: Path) -> ServerInfo | None:
    try:
        return ServerInfo(**json.loads(state_path.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop_process_group(pid: int, grace_s: float = 5.0) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _start(config: dict, log_path: Path, persistent: bool) -> ServerInfo:
    port = _free_port()
    ws_path = "/" + secrets.token_hex(16)
    cfg = {**config, "host": "127.0.0.1", "port": port, "wsPath": ws_path}
    cfg_path = log_path.with_suffix(".launch")
    cfg_path.write_text(json.dumps(cfg))
    log = open(log_path, "ab")  # noqa: SIM115 - handed to the child, which outlives this call
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "playwright",
            "launch-server",
            "--browser",
            "chromium",
            "--config",
            str(cfg_path),
        ],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stop() ends Node and Chromium together
    )
    log.close()
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BrowserServerError(
                f"The browser server exited at start (code {proc.returncode}). Log {log_path}:\n{_tail(log_path)}"
            )
        if _port_open(port, timeout=0.2):
            return ServerInfo(
                ws_endpoint=f"ws://127.0.0.1:{port}{ws_path}",
                pid=proc.pid,
                port=port,
                chromium=config["executablePath"],
                headless=config["headless"],
                started_at=time.time(),
                log_file=str(log_path),
                persistent=persistent,
            )
        time.sleep(0.05)
    _stop_process_group(proc.pid)
    raise BrowserServerError(
        f"The browser server did not answer within {START_TIMEOUT_S:.0f}s. Log {log_path}:\n{_tail(log_path)}"
    )


def _holds(state_path: Path) -> Path:
    return state_path.with_suffix(".holds")


def ensure(settings: Settings, *, persistent: bool = False, hold: bool = False) -> tuple[ServerInfo, bool]:
    """The running shared server for these settings, started if needed. Returns (info, started_now).

    ``persistent``: a server started now is never stopped by ``release`` (only by ``stop``).
    ``hold``: this process uses the server until it calls ``release``.
    """
    config = _launch_config(settings)
    state_path, lock_path, log_path = _paths(settings, config)
    with _locked(lock_path):
        info = _read(state_path)
        started = info is None or not healthy(info)
        if started:
            if info is not None:
                # Dead or hung: make sure nothing of it is left before starting a new one.
                _stop_process_group(info.pid, grace_s=1.0)
                state_path.unlink(missing_ok=True)
            info = _start(config, log_path, persistent)
            tmp = state_path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(info.to_json())
            os.replace(tmp, state_path)
        if hold:
            _holds(state_path).mkdir(exist_ok=True)
            (_holds(state_path) / str(os.getpid())).touch()
        return info, started


def release(settings: Settings) -> bool:
    """Drop this process's hold; the last holder of a non-persistent server stops it. True if stopped."""
    state_path, lock_path, _ = _paths(settings, _launch_config(settings))
    with _locked(lock_path):
        holds = _holds(state_path)
        (holds / str(os.getpid())).unlink(missing_ok=True)
        others = False
        for path in holds.glob("*") if holds.is_dir() else ():
            if path.name.isdigit() and _alive(int(path.name)):
                others = True
            else:
                path.unlink(missing_ok=True)  # a run that died without releasing
        info = _read(state_path)
        if info is None or info.persistent or others:
            return False
        _stop_process_group(info.pid)
        state_path.unlink(missing_ok=True)
        return True


def status(settings: Settings) -> ServerInfo | None:
    info = _read(_paths(settings, _launch_config(settings))[0])
    return info if info is not None and healthy(info) else None


def stop(settings: Settings, only_pid: int | None = None) -> bool:
    """Stop the shared server (only if it is still ``only_pid``, when given). True if one was stopped."""
    state_path, lock_path, _ = _paths(settings, _launch_config(settings))
    with _locked(lock_path):
        info = _read(state_path)
        if info is None or (only_pid is not None and info.pid != only_pid):
            return False
        _stop_process_group(info.pid)
        state_path.unlink(missing_ok=True)
        return True
