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
  persistent and left running;
- the state folder is trusted only after a check before every use (a folder of this user's,
  mode 0700, not a symbolic link); its files are opened without following symbolic links,
  and a pid read from a state file is signalled only when that process is verified to be
  the launch-server this module started with that folder's launch configuration.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import secrets
import signal
import socket
import stat
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


class UnsafeStateError(BrowserServerError):
    """The state folder or one of its files is not safely this user's; the message says what to do."""


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


def default_state_dir() -> Path:
    """``$XDG_RUNTIME_DIR/e2e-runner`` (a per-user folder only its user can enter), else the temp folder."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    # Only this user's own (sudo may pass on another user's, where a folder of root's would then block them).
    with contextlib.suppress(OSError):
        if os.path.isabs(runtime) and os.path.isdir(runtime) and os.stat(runtime).st_uid == os.getuid():
            return Path(runtime) / "e2e-runner"
    return Path(tempfile.gettempdir()) / f"e2e-runner-{os.getuid()}"


def _refuse_dir(path: Path, problem: str, settings: Settings, hint: str = "") -> UnsafeStateError:
    origin = settings.source_of("state_dir")
    where = f" (from {origin})" if origin != "default" else ""
    return UnsafeStateError(
        f"The browser state folder {path}{where} {problem}. It is refused: whoever controls that folder "
        "could point the shared browser at a program of theirs or have this user's processes killed. "
        f"Remove it (rm -rf {path}) if nobody uses it{hint}, or set E2E_STATE_DIR to a folder of your own; "
        "the runner creates it with mode 0700."
    )


def _verify_dir(path: Path, settings: Settings) -> None:
    """Owned by this user, mode exactly 0700, a real folder (not a symbolic link to one)."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        raise _refuse_dir(path, f"cannot be examined ({exc.strerror})", settings) from None
    if stat.S_ISLNK(st.st_mode):
        raise _refuse_dir(path, "is a symbolic link", settings)
    if not stat.S_ISDIR(st.st_mode):
        raise _refuse_dir(path, "is not a folder", settings)
    if st.st_uid != os.getuid():
        raise _refuse_dir(path, f"belongs to uid {st.st_uid}, not to this user (uid {os.getuid()})", settings)
    mode = stat.S_IMODE(st.st_mode)
    if mode != 0o700:
        raise _refuse_dir(
            path,
            f"has mode {mode:04o}, not 0700 (other users may enter or write to it)",
            settings,
            hint=f" (or, if you made it yourself and nobody else wrote to it, chmod 700 {path})",
        )


def state_dir(settings: Settings) -> Path:
    """The state folder, created (mode 0700) if missing and verified on every call."""
    path = Path(os.path.abspath(settings.state_dir)) if settings.state_dir else default_state_dir()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise _refuse_dir(path, f"cannot be created ({exc.strerror})", settings) from None
    else:
        # Ours since this instant: make the mode exactly 0700 whatever the umask took away.
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            os.fchmod(fd, 0o700)
        finally:
            os.close(fd)
    _verify_dir(path, settings)
    return path


def _refuse_file(path: Path, problem: str) -> UnsafeStateError:
    return UnsafeStateError(
        f"The browser state file {path} {problem}; it is refused and nothing is read or written through it. "
        f"Remove it (rm {path}) and, as it was not made by e2e-runner, check who can write to {path.parent}; "
        "or set E2E_STATE_DIR to a folder of your own."
    )


def _open_state_file(path: Path, flags: int, *, truncate: bool = False) -> int:
    """A file descriptor on a state file that is a regular file of this user's, never through a symlink.

    New files are created with mode 0600. ``O_NONBLOCK`` keeps a planted FIFO from blocking the open.
    """
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _refuse_file(path, "is a symbolic link") from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _refuse_file(path, "is not a regular file")
        if st.st_uid != os.getuid():
            raise _refuse_file(path, f"belongs to uid {st.st_uid}, not to this user (uid {os.getuid()})")
        if st.st_nlink > 1:
            raise _refuse_file(path, f"has {st.st_nlink} hard links (another name points at the same file)")
        os.set_blocking(fd, True)
        if truncate:
            os.ftruncate(fd, 0)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _write_state_file(path: Path, text: str) -> None:
    fd = _open_state_file(path, os.O_WRONLY | os.O_CREAT, truncate=True)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


def _read_state_file(path: Path) -> str:
    with os.fdopen(_open_state_file(path, os.O_RDONLY)) as fh:
        return fh.read()


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


def _config_path(state_path: Path) -> Path:
    return state_path.with_suffix(".launch")


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    fd = _open_state_file(lock_path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


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


def _answers_http(port: int, timeout: float) -> bool:
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
    if not (_alive(info.pid) and _port_open(info.port)):
        return False
    return probe_s <= 0 or _answers_http(info.port, probe_s)


def _read(state_path: Path) -> ServerInfo | None:
    """The state file's server, or None if there is none or it is unreadable or malformed (stale)."""
    try:
        info = ServerInfo(**json.loads(_read_state_file(state_path)))
    except (OSError, ValueError, TypeError):  # missing, unreadable, not JSON, not our fields
        return None
    valid = (
        isinstance(info.pid, int)
        and not isinstance(info.pid, bool)
        and info.pid > 1
        and isinstance(info.port, int)
        and 0 < info.port < 65536
        and isinstance(info.ws_endpoint, str)
    )
    return info if valid else None


def _tail(path: Path, lines: int = 20) -> str:
    try:
        text = _read_state_file(path)
    except (OSError, UnsafeStateError):
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _proc_cmdline(pid: int) -> list[str]:
    with open(f"/proc/{pid}/cmdline", "rb") as fh:
        return [part.decode(errors="replace") for part in fh.read().split(b"\0") if part]


def _proc_pgid(pid: int) -> int:
    with open(f"/proc/{pid}/stat", "rb") as fh:
        # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ")".
        return int(fh.read().rsplit(b")", 1)[1].split()[2])


def _is_launch_server(argv: list[str], config_path: Path) -> bool:
    """The command line of ``python -m playwright launch-server ... --config <config_path>``
    (the wrapper this module starts) or of the driver it runs (``node .../cli.js launch-server ...``)."""
    if "launch-server" not in argv or "--config" not in argv:
        return False
    at = argv.index("--config") + 1
    if at >= len(argv) or os.path.abspath(argv[at]) != str(config_path):
        return False
    return any(
        arg == "playwright" or (arg.endswith("cli.js") and "playwright" in arg) for arg in argv[: at - 1]
    )


def _is_our_server(pid: int, config_path: Path) -> bool:
    """True only if process group ``pid`` is a launch-server this user started with ``config_path``.

    The group leader is checked first; if it has gone (the Python wrapper killed), another member of
    the group (the Node driver) may still prove it. A pid is never reused while its group has members,
    so a verified member makes signalling the whole group safe.
    """
    if pid <= 1 or pid == os.getpgrp():
        return False
    uid = os.getuid()

    def proves(name: str) -> bool:
        try:
            if os.stat(f"/proc/{name}").st_uid != uid or _proc_pgid(int(name)) != pid:
                return False
            return _is_launch_server(_proc_cmdline(int(name)), config_path)
        except (OSError, ValueError, IndexError):
            return False

    if proves(str(pid)):
        return True
    try:
        names = os.listdir("/proc")
    except OSError:  # no /proc: nothing can be verified, so nothing is signalled
        return False
    return any(proves(name) for name in names if name.isdigit() and name != str(pid))


def _stop_process_group(pid: int, grace_s: float = 5.0) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _spawn(cfg_path: Path, log_fd: int) -> subprocess.Popen:
    return subprocess.Popen(
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
        stdout=log_fd,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stop() ends Node and Chromium together
    )


def _start(config: dict, log_path: Path, persistent: bool) -> ServerInfo:
    port = _free_port()
    ws_path = "/" + secrets.token_hex(16)
    cfg = {**config, "host": "127.0.0.1", "port": port, "wsPath": ws_path}
    cfg_path = log_path.with_suffix(".launch")
    _write_state_file(cfg_path, json.dumps(cfg))
    log = _open_state_file(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)  # handed to the child
    try:
        proc = _spawn(cfg_path, log)
    finally:
        os.close(log)
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
    """The folder of hold files (one per process using the server), made and checked like the state folder."""
    holds = state_path.with_suffix(".holds")
    with contextlib.suppress(FileExistsError):
        os.mkdir(holds, 0o700)
    st = os.lstat(holds)
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        raise _refuse_file(
            holds, "is not a folder of this user's (a symbolic link, a file, or another owner)"
        )
    return holds


def _stop_if_ours(info: ServerInfo, state_path: Path, grace_s: float = 5.0) -> bool:
    """Stop the server a state file names, if it is verified to be ours; the state file goes either way.

    A pid that is not (or no longer) our launch-server is a stale entry: nothing is signalled.
    """
    ours = _is_our_server(info.pid, _config_path(state_path))
    if ours:
        _stop_process_group(info.pid, grace_s=grace_s)
    state_path.unlink(missing_ok=True)
    return ours


def _current(state_path: Path) -> ServerInfo | None:
    """The state file's server if it is verifiably ours; a stale or forged entry is dropped."""
    info = _read(state_path)
    if info is None:
        return None
    if not _is_our_server(info.pid, _config_path(state_path)):
        state_path.unlink(missing_ok=True)
        return None
    return info


def ensure(settings: Settings, *, persistent: bool = False, hold: bool = False) -> tuple[ServerInfo, bool]:
    """The running shared server for these settings, started if needed. Returns (info, started_now).

    ``persistent``: a server started now is never stopped by ``release`` (only by ``stop``).
    ``hold``: this process uses the server until it calls ``release``.
    """
    config = _launch_config(settings)
    state_path, lock_path, log_path = _paths(settings, config)
    with _locked(lock_path):
        info = _current(state_path)
        started = info is None or not healthy(info)
        if started:
            if info is not None:
                # Dead or hung: make sure nothing of it is left before starting a new one.
                _stop_if_ours(info, state_path, grace_s=1.0)
            info = _start(config, log_path, persistent)
            tmp = state_path.with_suffix(f".{os.getpid()}.tmp")
            tmp.unlink(missing_ok=True)  # a leftover (or a planted link) is removed, never written through
            _write_state_file(tmp, info.to_json())
            os.replace(tmp, state_path)
        if hold:
            os.close(_open_state_file(_holds(state_path) / str(os.getpid()), os.O_WRONLY | os.O_CREAT))
        return info, started


def release(settings: Settings) -> bool:
    """Drop this process's hold; the last holder of a non-persistent server stops it. True if stopped."""
    state_path, lock_path, _ = _paths(settings, _launch_config(settings))
    with _locked(lock_path):
        others = False
        if os.path.lexists(state_path.with_suffix(".holds")):
            holds = _holds(state_path)
            (holds / str(os.getpid())).unlink(missing_ok=True)
            for path in holds.iterdir():
                if path.name.isdigit() and _alive(int(path.name)):
                    others = True
                else:
                    path.unlink(missing_ok=True)  # a run that died without releasing
        info = _read(state_path)
        if info is None or info.persistent or others:
            return False
        return _stop_if_ours(info, state_path)


def status(settings: Settings) -> ServerInfo | None:
    state_path = _paths(settings, _launch_config(settings))[0]
    info = _read(state_path)
    if info is None or not _is_our_server(info.pid, _config_path(state_path)):
        return None
    return info if healthy(info) else None


def stop(settings: Settings, only_pid: int | None = None) -> bool:
    """Stop the shared server (only if it is still ``only_pid``, when given). True if one was stopped.

    The pid of the state file is signalled only if it is verifiably our launch-server; otherwise the
    entry is stale (a crashed server whose pid was reused, or a forged file) and only it is removed.
    """
    state_path, lock_path, _ = _paths(settings, _launch_config(settings))
    with _locked(lock_path):
        info = _read(state_path)
        if info is None or (only_pid is not None and info.pid != only_pid):
            return False
        return _stop_if_ours(info, state_path)
