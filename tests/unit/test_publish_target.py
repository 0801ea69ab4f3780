"""runner.publish.target: uploads and S3's own ETag, computed locally."""

from __future__ import annotations

import hashlib
from pathlib import Path

from runner.publish.target import (
    MULTIPART_CHUNKSIZE,
    MULTIPART_THRESHOLD,
    Upload,
    etag_of_bytes,
    etag_of_file,
)


def test_a_small_file_has_its_md5_as_etag(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"hello")
    assert etag_of_file(path) == etag_of_bytes(b"hello") == hashlib.md5(b"hello").hexdigest()
    upload = Upload.from_file("runs/x/f.txt", path)
    assert upload.size == 5 and upload.etag == etag_of_bytes(b"hello")
    with upload.open() as stream:
        assert stream.read() == b"hello"


def test_a_large_file_has_the_multipart_etag() -> None:
    assert MULTIPART_THRESHOLD == MULTIPART_CHUNKSIZE  # the form below assumes one chunk size
    data = b"a" * MULTIPART_THRESHOLD + b"b"
    parts = [data[:MULTIPART_CHUNKSIZE], data[MULTIPART_CHUNKSIZE:]]
    joined = b"".join(hashlib.md5(p).digest() for p in parts)
    assert etag_of_bytes(data) == f"{hashlib.md5(joined).hexdigest()}-2"


def test_bytes_uploads_keep_their_redirect() -> None:
    upload = Upload.from_bytes("latest/index.html", b"<html>", redirect="runs/x/report/index.html")
    assert upload.redirect == "runs/x/report/index.html" and upload.size == 6
