"""One shared headless Chromium for every test process: start it once, find it, heal it.

Playwright's ``launch-server`` starts ONE Chromium that any number of clients reach with
``chromium.connect(ws_endpoint)``; each client gets its own isolated contexts. A
``SharedBrowser`` keeps that server's address in a small state file so that every pytest
process and xdist worker, the image's ENTRYPOINT and ``buildspec.yml``'s ``pre_build`` all
find the same browser. It is written by hand because no library manages a launch-server's
lifetime:

- ``ensure()`` is idempotent and safe when several processes race (an ``flock`` around
  check-and-start), and replaces a server that died or stopped answering;
- the server runs in its own process group, so stopping it ends Node *and* Chromium
  (killing only the Python wrapper would leave both running);
- the state file is keyed by the launch configuration, so a headed debugging session
  never hijacks a headless CI browser;
- a server a test run started is stopped by the LAST run holding it (each run leaves a
  per-process hold file), so two runs in two terminals never pull the browser from under
  each other; one started ahead (``e2e browser start``, the image's ENTRYPOINT) is
  persistent and left running;
- the state folder and its files are checked before every use (``state_files``), and a pid
  read from a state file is signalled only when that process is verified to be the
  launch-server started with that folder's launch configuration (``process_checks``).

A ``SharedBrowser`` is built once at the boundary (``SharedBrowser.from_settings``) and
handed down; nothing below it takes the whole ``Settings``.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from runner import processes
from runner.browser.chromium import LaunchConfig
from runner.browser.process_checks import free_port, healthy, is_our_server, port_open
from runner.browser.state_files import (
    BrowserServerError,
    ServerInfo,
    StateFolder,
    UnsafeStateError,
    holds_folder,
    locked,
    open_state_file,
    read_server_info,
    replace_state_file,
    tail,
    write_state_file,
)
from runner.settings import Settings

__all__ = ["BrowserServerError", "ServerInfo", "SharedBrowser", "UnsafeStateError", "healthy"]

START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class SharedBrowser:
    """The shared server of one launch configuration in one state folder: ensure, release, status, stop."""

    launch: LaunchConfig
    folder: StateFolder

    @classmethod
    def from_settings(cls, settings: Settings) -> SharedBrowser:
        """Raises ChromiumNotFound, or SettingsError naming the setting that is wrong."""
        return cls(
            LaunchConfig.from_settings(settings),
            StateFolder.at(settings.state_dir, settings.source_of("state_dir")),
        )

    # --- where its files are ----------------------------------------------------------------
    @property
    def key(self) -> str:
        return hashlib.sha256(json.dumps(self.launch.server_config(), sort_keys=True).encode()).hexdigest()[
            :12
        ]

    def state_path(self) -> Path:
        """``browser-<key>.json`` in the state folder, which is verified (and made) on every call."""
        return (self.folder.verified() / f"browser-{self.key}").with_suffix(".json")

    # --- lifecycle ------------------------------------------------------------------------
    def ensure(self, *, persistent: bool = False, hold: bool = False) -> tuple[ServerInfo, bool]:
        """The running shared server, started if needed. Returns (info, started_now).

        ``persistent``: a server started now is never stopped by ``release`` (only by ``stop``).
        ``hold``: this process uses the server until it calls ``release``.
        """
        state_path = self.state_path()
        with locked(state_path.with_suffix(".lock")):
            info = _current(state_path)
            started = info is None or not healthy(info)
            if started:
                if info is not None:
                    # Dead or hung: make sure nothing of it is left before starting a new one.
                    _stop_if_ours(info, state_path, grace_s=1.0)
                info = _start(self.launch, state_path.with_suffix(".log"), persistent)
                replace_state_file(state_path, info.to_json())
            if hold:
                os.close(
                    open_state_file(holds_folder(state_path) / str(os.getpid()), os.O_WRONLY | os.O_CREAT)
                )
            return info, started

    def release(self) -> bool:
        """Drop this process's hold; the last holder of a non-persistent server stops it. True if stopped."""
        state_path = self.state_path()
        with locked(state_path.with_suffix(".lock")):
            others = False
            if os.path.lexists(state_path.with_suffix(".holds")):
                holds = holds_folder(state_path)
                (holds / str(os.getpid())).unlink(missing_ok=True)
                for path in holds.iterdir():
                    if path.name.isdigit() and processes.alive(int(path.name)):
                        others = True
                    else:
                        path.unlink(missing_ok=True)  # a run that died without releasing
            info = read_server_info(state_path)
            if info is None or info.persistent or others:
                return False
            return _stop_if_ours(info, state_path)

    def status(self) -> ServerInfo | None:
        state_path = self.state_path()
        info = read_server_info(state_path)
        if info is None or not is_our_server(info.pid, _config_path(state_path)):
            return None
        return info if healthy(info) else None

    def stop(self, only_pid: int | None = None) -> bool:
        """Stop the shared server (only if it is still ``only_pid``, when given). True if one was stopped.

        The pid of the state file is signalled only if it is verifiably our launch-server; otherwise the
        entry is stale (a crashed server whose pid was reused, or a forged file) and only it is removed.
        """
        state_path = self.state_path()
        with locked(state_path.with_suffix(".lock")):
            info = read_server_info(state_path)
            if info is None or (only_pid is not None and info.pid != only_pid):
                return False
            return _stop_if_ours(info, state_path)


def _config_path(state_path: Path) -> Path:
    return state_path.with_suffix(".launch")


def _spawn(cfg_path: Path, log_fd: int) -> subprocess.Popen:
    """Playwright's driver, started directly: what ``python -m playwright launch-server`` runs,
    without the Python process that would only wait for it (a quarter of a second of a run's
    start, each run)."""
    args = ["launch-server", "--browser", "chromium", "--config", str(cfg_path)]
    try:
        from playwright._impl._driver import compute_driver_executable, get_driver_env

        node, cli = compute_driver_executable()
        command, env = [str(node), str(cli), *args], {**get_driver_env(), **processes.node_compile_cache()}
    except ImportError:  # another Playwright's layout: its own command
        command, env = [sys.executable, "-m", "playwright", *args], None
    return subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=log_fd,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,  # its own process group: stop() ends Node and Chromium together
    )


def _start(launch: LaunchConfig, log_path: Path, persistent: bool) -> ServerInfo:
    port = free_port()
    ws_path = "/" + secrets.token_hex(16)
    cfg = {**launch.server_config(), "host": "127.0.0.1", "port": port, "wsPath": ws_path}
    cfg_path = _config_path(log_path)
    write_state_file(cfg_path, json.dumps(cfg))
    log = open_state_file(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)  # handed to the child
    try:
        proc = _spawn(cfg_path, log)
    finally:
        os.close(log)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BrowserServerError(
                f"The browser server exited at start (code {proc.returncode}). Log {log_path}:\n{tail(log_path)}"
            )
        if port_open(port, timeout=0.2):
            return ServerInfo(
                ws_endpoint=f"ws://127.0.0.1:{port}{ws_path}",
                pid=proc.pid,
                port=port,
                chromium=launch.executable_path,
                headless=launch.headless,
                started_at=time.time(),
                log_file=str(log_path),
                persistent=persistent,
            )
        time.sleep(0.05)
    processes.stop_group(proc.pid)
    raise BrowserServerError(
        f"The browser server did not answer within {START_TIMEOUT_S:.0f}s. Log {log_path}:\n{tail(log_path)}"
    )


def _stop_if_ours(info: ServerInfo, state_path: Path, grace_s: float = 5.0) -> bool:
    """Stop the server a state file names, if it is verified to be ours; the state file goes either way.

    A pid that is not (or no longer) our launch-server is a stale entry: nothing is signalled.
    """
    ours = is_our_server(info.pid, _config_path(state_path))
    if ours:
        processes.stop_group(info.pid, grace_s=grace_s)
    state_path.unlink(missing_ok=True)
    return ours


def _current(state_path: Path) -> ServerInfo | None:
    """The state file's server if it is verifiably ours; a stale or forged entry is dropped."""
    info = read_server_info(state_path)
    if info is None:
        return None
    if not is_our_server(info.pid, _config_path(state_path)):
        state_path.unlink(missing_ok=True)
        return None
    return info
