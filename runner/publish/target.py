"""What every publish target speaks: keys relative to the publish root (``<bucket>/<prefix>/``
or a folder), the ``Target`` interface, the objects it lists (``RemoteObject``) and the
uploads it takes (``Upload``, with S3's own ETag computed here so an unchanged file is
skipped). The two targets are ``s3_target.S3Target`` and ``local_target.LocalTarget``;
``targets`` chooses one from the settings.
"""

from __future__ import annotations

import functools
import hashlib
import io
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

# Uploads at or above this size are multipart; the ETag S3 gives them is then computed
# here the same way, so an unchanged large trace or video is skipped like a small file.
MULTIPART_THRESHOLD = 64 * 1024 * 1024
MULTIPART_CHUNKSIZE = 64 * 1024 * 1024
UPLOAD_CONCURRENCY = 16
STREAM_BLOCK = 1024 * 1024
SERVER_SIDE_ENCRYPTION = "AES256"
DEFAULT_ATTEMPTS = 11  # the first try and 10 retries, unless AWS_MAX_ATTEMPTS says otherwise


class PublishError(Exception):
    """Publishing failed; the message names the setting at fault and what to do.

    The local run folder is never touched when this is raised.
    """


@dataclass(frozen=True)
class RemoteObject:
    key: str
    etag: str
    size: int


@dataclass(frozen=True)
class Upload:
    """One object to write: from a file or from bytes, with its headers decided by its key.

    A file's ETag is computed when first asked for: a publish compares it only with an object
    of the same key and size already on the target, so the files of a new run are read once,
    by their upload, not hashed first."""

    key: str
    size: int
    path: Path | None = None
    data: bytes | None = None
    redirect: str | None = None

    @classmethod
    def from_file(cls, key: str, path: Path) -> Upload:
        return cls(key=key, size=path.stat().st_size, path=path)

    @classmethod
    def from_bytes(cls, key: str, data: bytes, *, redirect: str | None = None) -> Upload:
        return cls(key=key, size=len(data), data=data, redirect=redirect)

    @functools.cached_property
    def etag(self) -> str:
        """The ETag S3 will report for this object (see ``etag_of_file``)."""
        if self.data is not None:
            return etag_of_bytes(self.data)
        assert self.path is not None
        return etag_of_file(self.path)

    def same_as(self, there: RemoteObject | None) -> bool:
        """Whether ``there`` already holds these bytes (sizes first: no hashing when they differ)."""
        return there is not None and there.size == self.size and there.etag == self.etag

    def open(self) -> io.BufferedIOBase:
        if self.data is not None:
            return io.BytesIO(self.data)
        assert self.path is not None
        return self.path.open("rb")


def _etag_of_chunks(chunks: Iterable[bytes], size: int) -> str:
    if size < MULTIPART_THRESHOLD:
        digest = hashlib.md5(usedforsecurity=False)
        for chunk in chunks:
            digest.update(chunk)
        return digest.hexdigest()
    parts: list[bytes] = []
    part = hashlib.md5(usedforsecurity=False)
    filled = 0
    for chunk in chunks:
        view = memoryview(chunk)
        while view:
            take = min(len(view), MULTIPART_CHUNKSIZE - filled)
            part.update(view[:take])
            filled += take
            view = view[take:]
            if filled == MULTIPART_CHUNKSIZE:
                parts.append(part.digest())
                part, filled = hashlib.md5(usedforsecurity=False), 0
    if filled:
        parts.append(part.digest())
    return f"{hashlib.md5(b''.join(parts), usedforsecurity=False).hexdigest()}-{len(parts)}"


def etag_of_file(path: Path) -> str:
    """The ETag S3 reports for this file when uploaded by this module (MD5, or multipart MD5)."""
    size = path.stat().st_size

    def chunks() -> Iterable[bytes]:
        with path.open("rb") as fh:
            while block := fh.read(1024 * 1024):
                yield block

    return _etag_of_chunks(chunks(), size)


def etag_of_bytes(data: bytes) -> str:
    return _etag_of_chunks([data], len(data))


ProgressCallback = Callable[[int], None]


@dataclass
class UploadReport:
    uploaded: list[str] = field(default_factory=list)
    failed: dict[str, BaseException] = field(default_factory=dict)


class Target(ABC):
    """A publish root: an S3 prefix or a local folder."""

    description: str

    @abstractmethod
    def preflight(self) -> None:
        """Read-only check that publishing can work at all; raises PublishError if not."""

    @abstractmethod
    def list(self, under: str) -> dict[str, RemoteObject]:
        """Every object under ``under`` (a folder key ending in '/', or ''), by key."""

    @abstractmethod
    def stat(self, key: str) -> RemoteObject | None: ...

    @abstractmethod
    def read(self, key: str) -> bytes | None: ...

    @abstractmethod
    def stream(self, key: str) -> tuple[Iterator[bytes], int] | None:
        """The object's bytes in blocks, and its size; None when there is no such object."""

    @abstractmethod
    def download(self, key: str, dest: Path) -> None:
        """Stream the object at ``key`` into the file ``dest`` (its folder is made)."""

    @abstractmethod
    def put(self, uploads: list[Upload], on_bytes: ProgressCallback | None = None) -> UploadReport:
        """Write all uploads in parallel; failures are collected, not raised."""

    @abstractmethod
    def put_new(self, key: str, data: bytes) -> bool:
        """Write ``data`` at ``key`` only if nothing is there yet (atomically: of two writers at
        once exactly one wins); False when the key already held an object."""

    @abstractmethod
    def url(self, key: str) -> str: ...

    @abstractmethod
    def presigned_url(self, key: str, seconds: int) -> str: ...

    def view_command(self, key: str) -> str | None:
        """The command that shows ``key`` in a browser when its URL alone does not."""
        return None

    def credentials_note(self, seconds: int) -> str | None:
        return None

    @abstractmethod
    def explain(self, exc: BaseException, action: str) -> PublishError:
        """The error to raise for ``exc``, met while doing ``action``, in words a user can act on."""
