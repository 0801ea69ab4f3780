"""A published run's visual records, fetched into a local folder for ``accept_run``.

A published run is its run folder under the site's ``<prefix>/runs/<run-id>/``, given as
``s3://BUCKET/<prefix>/runs/<run-id>/`` (read with boto3 and one's own AWS credentials) or
as the URL the index links (``https://.../runs/<run-id>/``; a site behind CloudFront, or
``e2e serve``). Nothing is listed: the run's ``run.json`` names each comparison it kept
(scenarios' ``visual``), and exactly those ``visual/<baseline>.png`` and ``.json`` are fetched.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from urllib.parse import quote, urlsplit

from runner.visual.baselines import RUN_FOLDER

__all__ = ["fetch_run", "is_remote"]

_TIMEOUT_S = 30


def is_remote(source: str) -> bool:
    return source.startswith(("s3://", "http://", "https://"))


def _reader(source: str) -> Callable[[str], bytes]:
    """A function from a run-relative key to its bytes; errors name the whole address."""
    base = source if source.endswith("/") else source + "/"
    if base.startswith("s3://"):
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        parts = urlsplit(base)
        bucket, prefix = parts.netloc, parts.path.lstrip("/")
        client = boto3.client("s3")

        def read_s3(key: str) -> bytes:
            try:
                return client.get_object(Bucket=bucket, Key=prefix + key)["Body"].read()
            except (BotoCoreError, ClientError) as exc:
                raise ValueError(f"s3://{bucket}/{prefix}{key}: {exc}") from None

        return read_s3

    def read_http(key: str) -> bytes:
        url = base + quote(key)
        try:
            with urllib.request.urlopen(url, timeout=_TIMEOUT_S) as response:  # noqa: S310 - http(s) only
                return response.read()
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise ValueError(f"{url}: {exc}") from None

    return read_http


def fetch_run(source: str, into: Path) -> Path:
    """Fetch ``run.json`` and the kept visual files of the run at ``source`` into ``into``."""
    read = _reader(source)
    raw = read("run.json")
    try:
        summary = json.loads(raw)
        entries = [v for s in summary.get("scenarios") or [] for v in (s.get("visual") or [])]
    except (ValueError, AttributeError, TypeError) as exc:
        raise ValueError(f"{source}: run.json is not a run's summary ({exc})") from None
    into.mkdir(parents=True, exist_ok=True)
    (into / "run.json").write_bytes(raw)
    for entry in entries:
        baseline = PurePosixPath(str(entry.get("baseline", "")))
        if baseline.is_absolute() or ".." in baseline.parts or baseline.suffix != ".png":
            raise ValueError(f"{source}: run.json names a baseline that is not one: {str(baseline)!r}")
        for key in (baseline, baseline.with_suffix(".json")):
            target = into / RUN_FOLDER / Path(*key.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(read(f"{RUN_FOLDER}/{key.as_posix()}"))
    return into
