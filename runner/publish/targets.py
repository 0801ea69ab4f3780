"""Choosing where a run is published: ``open_target`` from the settings (the bucket's prefix,
else ``<reports>/site``) and ``target_at`` from a written location (``s3://...`` or a folder)."""

from __future__ import annotations

from pathlib import Path

from runner.publish.local_target import LocalTarget
from runner.publish.s3_target import S3Target
from runner.publish.target import PublishError, Target
from runner.settings import Settings


def open_target(settings: Settings, to: Path | None = None) -> Target:
    """Where reports are published: the bucket's prefix when a bucket is configured, else (or
    with ``to``) a local folder, ``<reports>/site``."""
    if to is not None or not settings.report_bucket:
        return LocalTarget(Path(to) if to is not None else settings.reports_dir / "site")
    return S3Target(
        settings.report_bucket,
        settings.report_prefix,
        bucket_source=settings.source_of("report_bucket"),
        public_url=settings.report_url,
    )


def target_at(location: str, *, source: str) -> Target:
    """A target from a location written as ``s3://bucket/prefix`` or a folder path;
    ``source`` names the setting it came from, for error messages."""
    if location.startswith("s3://"):
        bucket, _, prefix = location[len("s3://") :].partition("/")
        if not bucket:
            raise PublishError(f"{source} = {location!r}: expected s3://BUCKET/PREFIX or a folder path.")
        return S3Target(bucket, prefix.strip("/"), bucket_source=source)
    return LocalTarget(Path(location))
