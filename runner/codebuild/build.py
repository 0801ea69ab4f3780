"""One build in one container: the source copied, the variables set, the driver run, the results read."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from runner.codebuild.buildspec import Buildspec
from runner.codebuild.docker import exit_status, output_lines, remove_container, start_build_container
from runner.codebuild.driver import BOOTSTRAP_DIR, DRIVER, STATE_DIR, make_plan, phase_outcome
from runner.codebuild.environment import (
    codebuild_variables,
    copy_source,
    make_git_checkout,
    next_build_number,
)
from runner.codebuild.printer import Printer
from runner.codebuild.reports import ReportCheck, check_reports, collect_run_dirs, report_lines

# Where the batch's builds meet to hand shards to the merge build, in each container.
SHARDS_DIR = "/codebuild/shards"


class StopSignal:
    """Stops running builds from another thread: what a batch's ``fast-fail`` uses.

    Each running build registers how to stop itself (``attach``); ``stop`` calls every
    registered stopper, and those of builds attached later at once. A build knows it was
    stopped by ``stopped(token)``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stoppers: dict[int, Callable[[], None]] = {}
        self._stopped_tokens: set[int] = set()
        self._next = 0
        self.event = threading.Event()

    def attach(self, stopper: Callable[[], None]) -> int:
        with self._lock:
            self._next += 1
            token = self._next
            if not self.event.is_set():
                self._stoppers[token] = stopper
                return token
            self._stopped_tokens.add(token)
        stopper()
        return token

    def detach(self, token: int) -> None:
        with self._lock:
            self._stoppers.pop(token, None)

    def stopped(self, token: int) -> bool:
        with self._lock:
            return token in self._stopped_tokens

    def stop(self) -> None:
        with self._lock:
            self.event.set()
            stoppers = list(self._stoppers.items())
            self._stoppers.clear()
            self._stopped_tokens.update(token for token, _ in stoppers)
        for _, stopper in stoppers:
            stopper()


@dataclass
class BuildRequest:
    spec: Buildspec
    image: str
    source: Path
    project: str
    region: str
    overrides: dict[str, str]
    identifier: str | None = None
    task_variables: dict[str, str] = field(default_factory=dict)
    shards_host_dir: Path | None = None
    keep_workspace: bool = False
    reports_dest: Path | None = None
    stop_signal: StopSignal | None = None
    build_id: str | None = None  # set for a batch's builds (the local CodeBuild API knows it)


@dataclass
class BuildResult:
    identifier: str | None
    build_id: str
    succeeded: bool
    exit_code: int
    phases: dict[str, str] = field(default_factory=dict)
    reports: list[ReportCheck] = field(default_factory=list)
    run_dirs: list[Path] = field(default_factory=list)
    skipped: bool = False
    stopped: bool = False

    @property
    def report_problems(self) -> list[str]:
        return [f"{r.group}: {p}" for r in self.reports for p in r.problems]

    @property
    def state(self) -> str:
        """SUCCEEDED, FAILED, STOPPED (by a batch's fast-fail) or SKIPPED (a batch build never started)."""
        if self.skipped:
            return "SKIPPED"
        if self.stopped:
            return "STOPPED"
        return "SUCCEEDED" if self.succeeded else "FAILED"


@dataclass(frozen=True)
class _Workspace:
    """A build's folders on the host: the source copy and the driver's bootstrap folder."""

    root: Path

    @property
    def src(self) -> Path:
        return self.root / "src"

    @property
    def bootstrap(self) -> Path:
        return self.root / "bootstrap"

    @classmethod
    def create(cls) -> _Workspace:
        workspace = cls(Path(tempfile.mkdtemp(prefix="codebuild-local-")))
        workspace.src.mkdir()
        workspace.bootstrap.mkdir()
        return workspace


def run_build(client, request: BuildRequest, printer: Printer) -> BuildResult:
    """One build in one container; returns its status, phases and report checks."""
    prefix = f"[{request.identifier}] " if request.identifier else ""
    workspace = _Workspace.create()
    container = None
    token = None
    try:
        _fill_workspace(workspace, request, prefix, printer)
        src_dir = f"/codebuild/output/src{random.randint(100_000_000, 999_999_999)}/src"
        number = next_build_number(request.project)
        env = build_environment(request, src_dir, number)
        printer.line(
            prefix,
            f"codebuild-local: build {env['CODEBUILD_BUILD_ID']} (#{number}) in {request.image}, source at {src_dir}",
        )
        container = start_build_container(
            client,
            request.image,
            driver=f"{BOOTSTRAP_DIR}/driver.sh",
            env=env,
            working_dir=src_dir,
            volumes=_volumes(workspace, src_dir, request.shards_host_dir),
        )
        if request.stop_signal is not None:
            token = request.stop_signal.attach(lambda: _kill(container))
        phases = _follow(container, prefix, printer)
        exit_code = exit_status(container)
        result = BuildResult(request.identifier, env["CODEBUILD_BUILD_ID"], exit_code == 0, exit_code, phases)
        if token is not None and request.stop_signal is not None:
            request.stop_signal.detach(token)
            result.stopped = request.stop_signal.stopped(token)
        if result.stopped:
            # What a stopped build left is not its result: no report check, no run folder.
            result.succeeded = False
            printer.line(prefix, "codebuild-local: build STOPPED (batch fast-fail: another build failed)")
        else:
            _read_results(result, request, workspace, prefix, printer)
        return result
    finally:
        if container is not None:
            remove_container(container)
        if request.keep_workspace:
            printer.line(prefix, f"codebuild-local: workspace kept at {workspace.root}")
        else:
            shutil.rmtree(workspace.root, ignore_errors=True)


def _kill(container) -> None:
    """Stop a build container now (SIGKILL: the driver, PID 1, would ignore a SIGTERM)."""
    try:
        container.kill()
    except Exception:  # noqa: BLE001 - it may have ended on its own meanwhile
        pass


def build_environment(request: BuildRequest, src_dir: str, number: int) -> dict[str, str]:
    """The build container's variables, CodeBuild's own overridden as CodeBuild overrides them."""
    env = codebuild_variables(
        project=request.project,
        build_number=number,
        src_dir=src_dir,
        image=request.image,
        region=request.region,
        source=request.source,
        identifier=request.identifier,
        build_id=request.build_id,
    )
    # Precedence as in CodeBuild: buildspec < batch task < project/start-build (--env).
    env.update(request.spec.variables)
    env.update(request.task_variables)
    env.update(request.overrides)
    # The driver's own inputs; it removes them before the first command runs.
    env.update({"CB_PLAN": f"{BOOTSTRAP_DIR}/plan.tsv", "CB_STATE_DIR": STATE_DIR})
    if os.getuid() != 0:
        env["CB_OWNER"] = f"{os.getuid()}:{os.getgid()}"
    return env


def _fill_workspace(workspace: _Workspace, request: BuildRequest, prefix: str, printer: Printer) -> None:
    copy_source(request.source, workspace.src)
    problem = make_git_checkout(request.source, workspace.src)
    if problem:
        printer.line(prefix, f"codebuild-local: the build's source has no .git ({problem})")
    (workspace.bootstrap / "driver.sh").write_bytes(DRIVER.read_bytes())
    (workspace.bootstrap / "plan.tsv").write_text(make_plan(request.spec))


def _volumes(workspace: _Workspace, src_dir: str, shards_host_dir: Path | None) -> dict[str, dict]:
    volumes = {
        str(workspace.src): {"bind": src_dir, "mode": "rw"},
        str(workspace.bootstrap): {"bind": BOOTSTRAP_DIR, "mode": "ro"},
    }
    if shards_host_dir is not None:
        volumes[str(shards_host_dir)] = {"bind": SHARDS_DIR, "mode": "rw"}
    return volumes


def _follow(container, prefix: str, printer: Printer) -> dict[str, str]:
    """Print the build's output as it comes; returns each phase's final state."""
    phases: dict[str, str] = {}
    for text in output_lines(container):
        outcome = phase_outcome(text)
        if outcome:
            phases[outcome[0]] = outcome[1]
        printer.line(prefix, text)
    return phases


def _read_results(
    result: BuildResult, request: BuildRequest, workspace: _Workspace, prefix: str, printer: Printer
) -> None:
    """Check the build's report files and collect its run folders into ``result``, saying what was found."""
    result.reports = check_reports(request.spec, workspace.src)
    for check in result.reports:
        for line in report_lines(check):
            printer.line(prefix, line)
    result.run_dirs = collect_run_dirs(workspace.src, request.reports_dest)
    for run_dir in result.run_dirs:
        printer.line(prefix, f"codebuild-local: run folder {run_dir}")
