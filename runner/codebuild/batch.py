"""A batch build: the ``batch:`` section's builds as concurrent containers, scheduled as CodeBuild does.

A build starts once every build it ``depend-on``s has ended; it is skipped when one of them
failed (unless that one may fail: ``ignore-failure``). With ``fast-fail`` a failure starts
nothing more and stops the builds still running (their state: STOPPED). The builds share a
folder, mounted at the same path in each, to hand the shards to the merge build.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path

from runner.codebuild.api import CodeBuildStandIn
from runner.codebuild.build import SHARDS_DIR, BuildRequest, BuildResult, StopSignal, run_build
from runner.codebuild.buildspec import Buildspec, load_buildspec
from runner.codebuild.buildspec_sections import Batch, BatchTask
from runner.codebuild.errors import CodebuildLocalError
from runner.codebuild.printer import Printer


def run_batch(
    client,
    base: BuildRequest,
    batch: Batch,
    printer: Printer,
    submit: Callable[[BuildRequest], BuildResult] | None = None,
) -> list[BuildResult]:
    """Run the batch's builds, concurrently where ``depend-on`` allows, as CodeBuild schedules them."""
    if batch.kind in ("build-matrix", "build-fanout"):
        raise CodebuildLocalError(
            f"batch.{batch.kind} is not run locally; use build-graph or build-list "
            "(this project's buildspec.yml uses build-graph)"
        )
    stop = StopSignal()
    schedule = _Schedule(batch, printer, stop)
    shards_dir = Path(tempfile.mkdtemp(prefix="codebuild-local-shards-"))
    run = submit or (lambda req: run_build(client, req, printer))
    # The builds ask CodeBuild which batch they are in and which build each shard's current
    # one is (runner.shards.codebuild_api); locally a stand-in answers, on loopback.
    api = CodeBuildStandIn()
    endpoint = api.serve()
    record = api.new_batch(base.project, {t.identifier: list(t.depend_on) for t in batch.tasks})

    def run_task(task: BatchTask) -> BuildResult:
        build_id = api.start_build(record, task.identifier)
        request = _task_request(base, task, shards_dir, stop)
        request.build_id = build_id
        request.overrides = {**_api_variables(endpoint, base.region), **request.overrides}
        result = run(request)
        api.finish_build(build_id, result.succeeded)
        return result

    try:
        with ThreadPoolExecutor(max_workers=max(1, len(batch.tasks))) as pool:
            while schedule.pending or schedule.running:
                schedule.start_ready(lambda task: pool.submit(run_task, task))
                if schedule.running:
                    schedule.wait_for_one()
    finally:
        api.stop()
        shutil.rmtree(shards_dir, ignore_errors=True)
    return [schedule.results[t.identifier] for t in batch.tasks]


def _api_variables(endpoint: str, region: str) -> dict[str, str]:
    """What a build needs to reach the local CodeBuild API: its endpoint and a region; and
    credentials to sign with when the host passes none (the stand-in does not check them)."""
    return {
        "AWS_ENDPOINT_URL_CODEBUILD": endpoint,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": "codebuild-local",
        "AWS_SECRET_ACCESS_KEY": "codebuild-local",
    }


def batch_succeeded(batch: Batch, results: list[BuildResult]) -> bool:
    by_name = {t.identifier: t for t in batch.tasks}
    return all(r.succeeded or by_name[r.identifier or ""].ignore_failure for r in results)


class _Schedule:
    """Which of the batch's builds wait, which run, and how each that ended did."""

    def __init__(self, batch: Batch, printer: Printer, stop: StopSignal) -> None:
        self.stop = stop
        self.tasks = {t.identifier: t for t in batch.tasks}
        self.fast_fail = batch.fast_fail
        self.printer = printer
        self.pending = dict(self.tasks)
        self.running: dict[Future, str] = {}
        self.results: dict[str, BuildResult] = {}
        self.stopped = False

    def start_ready(self, start: Callable[[BatchTask], Future]) -> None:
        """Start each waiting build whose dependencies have ended; skip those a failure blocks."""
        for name, task in list(self.pending.items()):
            if self.stopped:
                break
            deps = [self.results.get(d) for d in task.depend_on]
            if any(d is None for d in deps):
                continue
            del self.pending[name]
            blocked = [d.identifier for d in deps if d is not None and self._failed(d)]
            if blocked:
                self.printer.line(f"[{name}] ", f"codebuild-local: not started: {', '.join(blocked)} failed")
                self.results[name] = _skipped(name)
                continue
            self.running[start(task)] = name
        if self.stopped:
            for name in self.pending:
                self.results[name] = _skipped(name)
            self.pending.clear()

    def wait_for_one(self) -> None:
        """Wait until a running build ends; with fast-fail, a failure stops the batch."""
        done, _ = wait(list(self.running), return_when=FIRST_COMPLETED)
        for future in done:
            name = self.running.pop(future)
            self.results[name] = future.result()
            if self.fast_fail and self._failed(self.results[name]) and not self.stopped:
                self.stopped = True
                self.printer.line(f"[{name}] ", "codebuild-local: failed; fast-fail stops the running builds")
                self.stop.stop()

    def _failed(self, result: BuildResult) -> bool:
        """A failure that counts: the build failed and its task may not fail."""
        return not result.succeeded and not self.tasks[result.identifier or ""].ignore_failure


def _skipped(name: str) -> BuildResult:
    return BuildResult(name, "", False, 1, skipped=True)


def _task_spec(base: Buildspec, task: BatchTask, source: Path) -> Buildspec:
    if task.buildspec:
        return load_buildspec(source / task.buildspec)
    return base


def _task_request(base: BuildRequest, task: BatchTask, shards_dir: Path, stop: StopSignal) -> BuildRequest:
    """The request for one of the batch's builds: the base request with the task's own parts."""
    overrides = dict(base.overrides)
    overrides.setdefault("E2E_SHARDS_URL", SHARDS_DIR)
    return BuildRequest(
        spec=_task_spec(base.spec, task, base.source),
        image=base.image,
        source=base.source,
        project=base.project,
        region=base.region,
        overrides=overrides,
        identifier=task.identifier,
        task_variables=dict(task.variables),
        shards_host_dir=shards_dir,
        keep_workspace=base.keep_workspace,
        reports_dest=base.reports_dest,
        stop_signal=stop,
    )
