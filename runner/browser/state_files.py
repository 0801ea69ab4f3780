"""The shared browser's state folder and its files, trusted only after a check before every use.

The folder must be this user's, mode exactly 0700, and not a symbolic link; each file in it
is opened without following symbolic links and must be a regular file of this user's with a
single name. Whoever could write to the folder could otherwise point the shared browser at
a program of theirs, or have this user's processes killed.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path


class BrowserServerError(Exception):
    """The shared browser could not be started; the message includes the server's log tail."""


class UnsafeStateError(BrowserServerError):
    """The state folder or one of its files is not safely this user's; the message says what to do."""


def default_state_dir() -> Path:
    """``$XDG_RUNTIME_DIR/e2e-runner`` (a per-user folder only its user can enter), else the temp folder."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    # Only this user's own (sudo may pass on another user's, where a folder of root's would then block them).
    with contextlib.suppress(OSError):
        if os.path.isabs(runtime) and os.path.isdir(runtime) and os.stat(runtime).st_uid == os.getuid():
            return Path(runtime) / "e2e-runner"
    return Path(tempfile.gettempdir()) / f"e2e-runner-{os.getuid()}"


@dataclass(frozen=True)
class StateFolder:
    """Where the shared browser's state files live, and where that was set (for messages).

    ``origin`` is ``Settings.source_of("state_dir")``: ``"default"`` or the variable/file that set it.
    """

    path: Path
    origin: str = "default"

    @classmethod
    def at(cls, configured: Path | str | None, origin: str = "default") -> StateFolder:
        return cls(Path(os.path.abspath(configured)) if configured else default_state_dir(), origin)

    def _refuse(self, problem: str, hint: str = "") -> UnsafeStateError:
        path = self.path
        where = f" (from {self.origin})" if self.origin != "default" else ""
        return UnsafeStateError(
            f"The browser state folder {path}{where} {problem}. It is refused: whoever controls that folder "
            "could point the shared browser at a program of theirs or have this user's processes killed. "
            f"Remove it (rm -rf {path}) if nobody uses it{hint}, or set E2E_STATE_DIR to a folder of your own; "
            "the runner creates it with mode 0700."
        )

    def _verify(self) -> None:
        """Owned by this user, mode exactly 0700, a real folder (not a symbolic link to one)."""
        path = self.path
        try:
            st = os.lstat(path)
        except OSError as exc:
            raise self._refuse(f"cannot be examined ({exc.strerror})") from None
        if stat.S_ISLNK(st.st_mode):
            raise self._refuse("is a symbolic link")
        if not stat.S_ISDIR(st.st_mode):
            raise self._refuse("is not a folder")
        if st.st_uid != os.getuid():
            raise self._refuse(f"belongs to uid {st.st_uid}, not to this user (uid {os.getuid()})")
        mode = stat.S_IMODE(st.st_mode)
        if mode != 0o700:
            raise self._refuse(
                f"has mode {mode:04o}, not 0700 (other users may enter or write to it)",
                hint=f" (or, if you made it yourself and nobody else wrote to it, chmod 700 {path})",
            )

    def verified(self) -> Path:
        """The folder, created (mode 0700) if missing and verified on every call."""
        path = self.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
        except OSError as exc:
            raise self._refuse(f"cannot be created ({exc.strerror})") from None
        else:
            # Ours since this instant: make the mode exactly 0700 whatever the umask took away.
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
            try:
                os.fchmod(fd, 0o700)
            finally:
                os.close(fd)
        self._verify()
        return path


def refuse_file(path: Path, problem: str) -> UnsafeStateError:
    return UnsafeStateError(
        f"The browser state file {path} {problem}; it is refused and nothing is read or written through it. "
        f"Remove it (rm {path}) and, as it was not made by e2e-runner, check who can write to {path.parent}; "
        "or set E2E_STATE_DIR to a folder of your own."
    )


def open_state_file(path: Path, flags: int, *, truncate: bool = False) -> int:
    """A file descriptor on a state file that is a regular file of this user's, never through a symlink.

    New files are created with mode 0600. ``O_NONBLOCK`` keeps a planted FIFO from blocking the open.
    """
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise refuse_file(path, "is a symbolic link") from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise refuse_file(path, "is not a regular file")
        if st.st_uid != os.getuid():
            raise refuse_file(path, f"belongs to uid {st.st_uid}, not to this user (uid {os.getuid()})")
        if st.st_nlink > 1:
            raise refuse_file(path, f"has {st.st_nlink} hard links (another name points at the same file)")
        os.set_blocking(fd, True)
        if truncate:
            os.ftruncate(fd, 0)
    except BaseException:
        os.close(fd)
        raise
    return fd


def write_state_file(path: Path, text: str) -> None:
    fd = open_state_file(path, os.O_WRONLY | os.O_CREAT, truncate=True)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


def read_state_file(path: Path) -> str:
    with os.fdopen(open_state_file(path, os.O_RDONLY)) as fh:
        return fh.read()


def replace_state_file(path: Path, text: str) -> None:
    """Written beside and renamed over; a leftover (or a planted link) is removed, never written through."""
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    write_state_file(tmp, text)
    os.replace(tmp, path)


def tail(path: Path, lines: int = 20) -> str:
    try:
        text = read_state_file(path)
    except (OSError, UnsafeStateError):
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


@contextlib.contextmanager
def locked(lock_path: Path) -> Iterator[None]:
    fd = open_state_file(lock_path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def holds_folder(state_path: Path) -> Path:
    """The folder of hold files (one per process using the server), made and checked like the state folder."""
    holds = state_path.with_suffix(".holds")
    with contextlib.suppress(FileExistsError):
        os.mkdir(holds, 0o700)
    st = os.lstat(holds)
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        raise refuse_file(holds, "is not a folder of this user's (a symbolic link, a file, or another owner)")
    return holds


@dataclass(frozen=True)
class ServerInfo:
    """What a state file says of the shared server it names."""

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


def read_server_info(state_path: Path) -> ServerInfo | None:
    """The state file's server, or None if there is none or it is unreadable or malformed (stale)."""
    try:
        info = ServerInfo(**json.loads(read_state_file(state_path)))
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
