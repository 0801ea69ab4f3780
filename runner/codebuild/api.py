"""A local stand-in for the two CodeBuild API calls a batch's builds make about themselves.

A build of a batch learns its batch from ``BatchGetBuilds`` on its own id (the build's
``buildBatchArn``; no environment variable carries it), and the merge build asks
``BatchGetBuildBatches`` which build is the current one of each shard (a retried batch
keeps its id and lists earlier attempts as prior builds). ``e2e codebuild-local --batch``
serves these two calls on loopback and points its containers at them with
``AWS_ENDPOINT_URL_CODEBUILD``, the standard setting boto3 reads, so the runner's code is
the same against AWS and here. Tests use the same server. moto's CodeBuild mock knows no
batch builds, hence this small server (the AWS JSON 1.1 protocol, two operations).
"""

from __future__ import annotations

import http.server
import json
import threading
import uuid
from dataclasses import dataclass, field

from runner.serving import serve_in_background

TARGET_PREFIX = "CodeBuild_20161006."
REGION = "us-east-1"
ACCOUNT = "000000000000"


@dataclass
class Group:
    identifier: str
    depends_on: list[str] = field(default_factory=list)
    builds: list[str] = field(default_factory=list)  # build ids, oldest first; the last is current
    statuses: dict[str, str] = field(default_factory=dict)


@dataclass
class Batch:
    id: str
    project: str
    groups: dict[str, Group] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return f"arn:aws:codebuild:{REGION}:{ACCOUNT}:build-batch/{self.id}"


def build_arn(build_id: str) -> str:
    return f"arn:aws:codebuild:{REGION}:{ACCOUNT}:build/{build_id}"


class CodeBuildStandIn:
    """Batches and their builds, as the service would describe them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.batches: dict[str, Batch] = {}
        self.build_batch: dict[str, str] = {}  # build id -> batch id
        self._server: http.server.ThreadingHTTPServer | None = None

    # --- the batch's life --------------------------------------------------------------

    def new_batch(self, project: str, graph: dict[str, list[str]]) -> Batch:
        """A batch of ``project`` whose groups are ``identifier -> depends-on``."""
        batch = Batch(f"{project}:{uuid.uuid4()}", project)
        batch.groups = {name: Group(name, list(deps)) for name, deps in graph.items()}
        with self._lock:
            self.batches[batch.id] = batch
        return batch

    def start_build(self, batch: Batch, identifier: str) -> str:
        """A new build (first or retried) of a group; returns its build id."""
        build_id = f"{batch.project}:{uuid.uuid4()}"
        with self._lock:
            group = batch.groups[identifier]
            group.builds.append(build_id)
            group.statuses[build_id] = "IN_PROGRESS"
            self.build_batch[build_id] = batch.id
        return build_id

    def finish_build(self, build_id: str, succeeded: bool) -> None:
        with self._lock:
            batch = self.batches[self.build_batch[build_id]]
            for group in batch.groups.values():
                if build_id in group.statuses:
                    group.statuses[build_id] = "SUCCEEDED" if succeeded else "FAILED"

    # --- the API -----------------------------------------------------------------------

    def batch_get_builds(self, ids: list[str]) -> dict:
        builds, missing = [], []
        with self._lock:
            for build_id in ids:
                batch_id = self.build_batch.get(build_id)
                if batch_id is None:
                    missing.append(build_id)
                    continue
                batch = self.batches[batch_id]
                status = next(g.statuses[build_id] for g in batch.groups.values() if build_id in g.statuses)
                builds.append(
                    {
                        "id": build_id,
                        "arn": build_arn(build_id),
                        "buildBatchArn": batch.arn,
                        "projectName": batch.project,
                        "buildStatus": status,
                    }
                )
        return {"builds": builds, "buildsNotFound": missing}

    def batch_get_build_batches(self, ids: list[str]) -> dict:
        found, missing = [], []
        with self._lock:
            by_arn = {b.arn: b for b in self.batches.values()}
            for wanted in ids:
                batch = self.batches.get(wanted) or by_arn.get(wanted)
                if batch is None:
                    missing.append(wanted)
                    continue
                found.append(
                    {
                        "id": batch.id,
                        "arn": batch.arn,
                        "buildGroups": [self._group(g) for g in batch.groups.values()],
                    }
                )
        return {"buildBatches": found, "buildBatchesNotFound": missing}

    @staticmethod
    def _group(group: Group) -> dict:
        def summary(build_id: str) -> dict:
            return {"arn": build_arn(build_id), "buildStatus": group.statuses[build_id]}

        described: dict = {
            "identifier": group.identifier,
            "dependsOn": group.depends_on,
            "ignoreFailure": False,
        }
        if group.builds:
            described["currentBuildSummary"] = summary(group.builds[-1])
            described["priorBuildSummaryList"] = [summary(b) for b in group.builds[:-1]]
        return described

    # --- serving -----------------------------------------------------------------------

    def serve(self) -> str:
        """Start serving on a free loopback port; returns the endpoint URL."""
        stand_in = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                target = self.headers.get("X-Amz-Target", "")
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                operations = {
                    "BatchGetBuilds": stand_in.batch_get_builds,
                    "BatchGetBuildBatches": stand_in.batch_get_build_batches,
                }
                operation = operations.get(target.removeprefix(TARGET_PREFIX))
                if operation is None:
                    self._answer(
                        400, {"__type": "InvalidInputException", "message": f"not served here: {target}"}
                    )
                    return
                self._answer(200, operation(list(body.get("ids") or [])))

            def _answer(self, status: int, data: dict) -> None:
                payload = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        serve_in_background(self._server)
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
