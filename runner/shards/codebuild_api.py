"""Which batch a build belongs to, and which build is the current one of each shard.

CodeBuild gives a batch's builds no shared environment variable, but its API does:
``BatchGetBuilds`` on the build's own id (``CODEBUILD_BUILD_ID``) returns its
``buildBatchArn``, and ``BatchGetBuildBatches`` lists the batch's build groups, each with
its current build (a retried shard is a new build; earlier attempts are "prior" builds)
and, for the merge, the shards it depends on. Keying the stash by batch and build id is
what keeps a retried batch, or two batches of one commit, from mixing their shards.

The client is plain boto3: region, credentials and endpoint (``AWS_ENDPOINT_URL_CODEBUILD``)
come from the standard AWS settings, so the local emulator's stand-in serves the same calls.
The build role needs ``codebuild:BatchGetBuilds`` and ``codebuild:BatchGetBuildBatches``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from runner.slug import KEY_CHARS, slugify


class BatchError(Exception):
    """The batch could not be asked about; the message says which call and what to check."""


@dataclass(frozen=True)
class BatchBuild:
    """This build, seen as a member of its batch."""

    batch_arn: str
    build_id: str
    identifier: str

    @property
    def batch_key(self) -> str:
        return safe_key(self.batch_arn.rsplit("/", 1)[-1])

    @property
    def attempt(self) -> str:
        return safe_key(self.build_id)


def safe_key(text: str) -> str:
    """A build or batch id as one key segment (``project:uuid`` -> ``project-uuid``)."""
    return slugify(text, keep=KEY_CHARS, strip="-.", fallback="unnamed", limit=200)


def _client():  # noqa: ANN202
    import boto3

    return boto3.client("codebuild")


def _call(operation: str, **kwargs: object) -> dict:
    try:
        return getattr(_client(), operation)(**kwargs)
    except Exception as exc:  # noqa: BLE001 - every failure gets the same advice
        name = "".join(part.title() for part in operation.split("_"))
        raise BatchError(
            f"CodeBuild's {name} failed ({type(exc).__name__}: {exc}). The build role needs "
            f"codebuild:{name} (the infrastructure template grants it); the endpoint and region come "
            "from the standard AWS settings (AWS_REGION, AWS_ENDPOINT_URL_CODEBUILD)."
        ) from exc


def this_build(environ: Mapping[str, str] | None = None) -> BatchBuild | None:
    """This build's batch, when it runs in a CodeBuild batch; None for a plain build or locally."""
    env = os.environ if environ is None else environ
    build_id, identifier = env.get("CODEBUILD_BUILD_ID"), env.get("CODEBUILD_BATCH_BUILD_IDENTIFIER")
    if not build_id or not identifier:
        return None
    builds = _call("batch_get_builds", ids=[build_id]).get("builds") or []
    arn = builds[0].get("buildBatchArn") if builds else None
    if not arn:
        raise BatchError(f"CodeBuild does not list build {build_id} as part of a batch (no buildBatchArn).")
    return BatchBuild(arn, build_id, identifier)


def current_shards(build: BatchBuild) -> dict[str, str]:
    """Shard identifier -> its current build id, for the shards the merge build depends on."""
    batches = _call("batch_get_build_batches", ids=[build.batch_arn]).get("buildBatches") or []
    if not batches:
        raise BatchError(f"CodeBuild does not know batch {build.batch_arn}.")
    groups = {g["identifier"]: g for g in batches[0].get("buildGroups") or []}
    own = groups.get(build.identifier, {})
    names = list(own.get("dependsOn") or [n for n in groups if n != build.identifier])
    shards = {}
    for name in names:
        current = (groups.get(name) or {}).get("currentBuildSummary") or {}
        arn = current.get("arn") or ""
        if ":build/" not in arn:
            raise BatchError(f"shard {name!r} of batch {build.batch_arn} has no build yet.")
        shards[name] = arn.split(":build/", 1)[1]
    return shards
