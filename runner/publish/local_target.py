"""The local target: the same layout on disk, for users without AWS and for looking at a site
offline (``e2e serve``)."""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from runner.publish.target import (
    STREAM_BLOCK,
    ProgressCallback,
    PublishError,
    RemoteObject,
    Target,
    Upload,
    UploadReport,
    etag_of_file,
)


class LocalTarget(Target):
    """The same layout on disk, for users without AWS and for looking at a site offline."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.description = str(self.root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if path != self.root and self.root not in path.parents:
            raise PublishError(f"refusing to write outside {self.root}: {key!r}")
        return path

    def preflight(self) -> None:
        if self.root.exists() and not self.root.is_dir():
            raise PublishError(f"--to {self.root}: exists and is not a folder. Pass a folder path.")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PublishError(f"--to {self.root}: cannot create the folder ({exc}).") from exc
        if not os.access(self.root, os.W_OK):
            raise PublishError(f"--to {self.root}: not writable. Pass a folder you may write.")

    def list(self, under: str) -> dict[str, RemoteObject]:
        base = self._path(under) if under else self.root
        objects: dict[str, RemoteObject] = {}
        if not base.is_dir():
            return objects
        for path in sorted(base.rglob("*")):
            if path.name.startswith(".") or not path.is_file():
                continue
            rel = path.relative_to(self.root).as_posix()
            objects[rel] = RemoteObject(rel, etag_of_file(path), path.stat().st_size)
        return objects

    def stat(self, key: str) -> RemoteObject | None:
        path = self._path(key)
        if not path.is_file():
            return None
        return RemoteObject(key, etag_of_file(path), path.stat().st_size)

    def read(self, key: str) -> bytes | None:
        path = self._path(key)
        return path.read_bytes() if path.is_file() else None

    def stream(self, key: str) -> tuple[Iterator[bytes], int] | None:
        path = self._path(key)
        if not path.is_file():
            return None

        def blocks() -> Iterator[bytes]:
            with path.open("rb") as fh:
                while block := fh.read(STREAM_BLOCK):
                    yield block

        return blocks(), path.stat().st_size

    def download(self, key: str, dest: Path) -> None:
        path = self._path(key)
        if not path.is_file():
            raise PublishError(f"{path}: no such file in {self.description}.")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)

    def _write(self, upload: Upload, on_bytes: ProgressCallback | None) -> None:
        path = self._path(upload.key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside and renamed over, so a reader never sees half a page and a
        # killed publish leaves the old object in place.
        # Named by a hash, not the file's own name: a name near the 255-byte limit would
        # otherwise make a temporary name over it.
        name = path.name.encode("utf-8", "surrogateescape")
        mark = hashlib.sha1(name, usedforsecurity=False).hexdigest()[:12]
        tmp = path.with_name(f".{mark}.{os.getpid()}.{threading.get_ident()}.tmp")
        with upload.open() as src, tmp.open("wb") as dst:
            while block := src.read(1024 * 1024):
                dst.write(block)
                if on_bytes is not None:
                    on_bytes(len(block))
        os.replace(tmp, path)

    def put(self, uploads: list[Upload], on_bytes: ProgressCallback | None = None) -> UploadReport:
        report = UploadReport()
        with ThreadPoolExecutor(max_workers=8) as pool:
            futures = [(u.key, pool.submit(self._write, u, on_bytes)) for u in uploads]
            for key, future in futures:
                try:
                    future.result()
                    report.uploaded.append(key)
                except Exception as exc:
                    report.failed[key] = exc
        return report

    def put_new(self, key: str, data: bytes) -> bool:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.new")
        tmp.write_bytes(data)
        try:
            os.link(tmp, path)  # a hard link fails when the name exists: the first writer wins
        except FileExistsError:
            return False
        finally:
            tmp.unlink()
        return True

    def url(self, key: str) -> str:
        return self._path(key).as_uri()

    def view_command(self, key: str) -> str | None:
        page = key[: -len("index.html")] if key.endswith("index.html") else key
        return f"e2e serve --to {shlex.quote(str(self.root))} --open {shlex.quote(page)}"

    def presigned_url(self, key: str, seconds: int) -> str:
        raise PublishError(
            "--presign needs an S3 bucket: set E2E_REPORT_BUCKET or --bucket (a local folder needs no signature)."
        )

    def explain(self, exc: BaseException, action: str) -> PublishError:
        return PublishError(f"{action} in {self.description} failed: {exc}")
