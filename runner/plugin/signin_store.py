"""Where a run keeps its roles' signed-in browser states: the private browser state folder.

One record per run and role, ``signin-<run key>-<role key>.json`` in the state folder
(``$XDG_RUNTIME_DIR/e2e-runner`` or ``E2E_STATE_DIR``: owner-only, checked before use),
never in the run folder. The run key is a hash of the run folder's path, so the workers of
one run (and only they) share a record, and each shard of a batch (a run of its own) signs
in once for itself. Beside each record:

- ``.lock``: the ``flock`` every process holds while it reads-then-signs-in, so one
  process signs in and the others wait for its result;
- ``.secrets``: every cookie and storage value of every state made for the role in this
  run, one JSON string a line (kept when a state is remade: the old values may already be
  in a trace), read by the controller's redactor at the end of the run.

Files are created 0600 without following symbolic links and replaced atomically. The
controller deletes the run's files when the run ends (after the run folder was scrubbed).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PREFIX = "signin-"


class UnsafeStateFile(Exception):
    """A file of the state folder is not a regular file of this user's."""


def run_key(run_dir: Path) -> str:
    return hashlib.sha256(str(Path(run_dir).resolve()).encode()).hexdigest()[:16]


def _role_key(role: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", role).strip("-")[:40] or "role"
    return f"{slug}-{hashlib.sha256(role.encode()).hexdigest()[:8]}"


def _open(path: Path, flags: int) -> int:
    fd = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid() or st.st_nlink > 1:
        os.close(fd)
        raise UnsafeStateFile(f"{path} is not a regular file of this user's; remove it and run again")
    return fd


@dataclass
class RoleRecord:
    """What the run knows of one role: a working state, a failed sign-in, or a stale state."""

    generation: int
    storage_state: dict[str, Any] | None = None
    check_url: str | None = None
    failed: str | None = None
    stale: bool = False
    made_by: int = field(default_factory=os.getpid)

    @property
    def usable(self) -> bool:
        return self.storage_state is not None and not self.stale and self.failed is None

    def to_json(self) -> str:
        return json.dumps(self.__dict__)


def state_values(storage_state: dict[str, Any]) -> list[str]:
    """Every cookie value and every local storage value (names are not secrets)."""
    values = [str(c.get("value", "")) for c in storage_state.get("cookies", [])]
    for origin in storage_state.get("origins", []):
        values.extend(str(e.get("value", "")) for e in origin.get("localStorage", []))
    return [v for v in values if v]


class RoleStore:
    """The role records of one run in the state folder ``folder``."""

    def __init__(self, folder: Path, run_dir: Path) -> None:
        self.folder = folder
        self.key = run_key(run_dir)

    def _path(self, role: str, suffix: str) -> Path:
        return self.folder / f"{PREFIX}{self.key}-{_role_key(role)}{suffix}"

    @contextlib.contextmanager
    def locked(self, role: str) -> Iterator[None]:
        fd = _open(self._path(role, ".lock"), os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def read(self, role: str) -> RoleRecord | None:
        try:
            fd = _open(self._path(role, ".json"), os.O_RDONLY)
        except FileNotFoundError:
            return None
        with os.fdopen(fd) as fh:
            try:
                return RoleRecord(**json.load(fh))
            except (ValueError, TypeError):
                return None  # a torn or foreign file: signed in again

    def write(self, role: str, record: RoleRecord) -> None:
        if record.storage_state is not None:
            self.add_secrets(role, state_values(record.storage_state))
        target = self._path(role, ".json")
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        with os.fdopen(_open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL), "w") as fh:
            fh.write(record.to_json())
        os.replace(tmp, target)

    def add_secrets(self, role: str, values: list[str]) -> None:
        if not values:
            return
        fd = _open(self._path(role, ".secrets"), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        with os.fdopen(fd, "w") as fh:
            fh.write("".join(json.dumps(v) + "\n" for v in values))

    def secret_values(self) -> list[str]:
        """The values of every state made in this run, for every role."""
        found: set[str] = set()
        for path in self.folder.glob(f"{PREFIX}{self.key}-*.secrets"):
            try:
                with os.fdopen(_open(path, os.O_RDONLY)) as fh:
                    found.update(json.loads(line) for line in fh if line.strip())
            except (OSError, ValueError, UnsafeStateFile):
                continue
        return sorted(found)

    def forget(self) -> None:
        """The run is over: its states (working sessions) are not left lying around."""
        for path in self.folder.glob(f"{PREFIX}{self.key}-*"):
            with contextlib.suppress(OSError):
                path.unlink()
