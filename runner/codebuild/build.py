"""One build in one container: the source copied, the variables set, the driver run, the results read."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from runner.codebuild.buildspec import Buildspec
from runner.codebuild.docker import exit_status, output_lines, remove_container, start_build_container
from runner.codebuild.driver import BOOTSTRAP_DIR, DRIVER, make_plan, phase_outcome
from runner.codebuild.environment import codebuild_variables, copy_source, next_build_number
from runner.codebuild.printer import Printer
from runner.codebuild.reports import ReportCheck, check_reports, collect_run_dirs, report_lines

# Where the batch's builds meet to hand shards to the merge build, in each container.
SHARDS_DIR = "/codebuild/shards"


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

    @property
    def report_problems(self) -> list[str]:
        return [f"{r.group}: {p}" for r in self.reports for p in r.problems]

    @property
    def state(self) -> str:
        """SUCCEEDED, FAILED or SKIPPED (a batch build never started)."""
        return "SKIPPED" if self.skipped else ("SUCCEEDED" if self.succeeded else "FAILED")


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
    try:
        _fill_workspace(workspace, request)
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
        phases = _follow(container, prefix, printer)
        exit_code = exit_status(container)
        result = BuildResult(request.identifier, env["CODEBUILD_BUILD_ID"], exit_code == 0, exit_code, phases)
        _read_results(result, request, workspace, prefix, printer)
        return result
    finally:
        if container is not None:
            remove_container(container)
        if request.keep_workspace:
            printer.line(prefix, f"codebuild-local: workspace kept at {workspace.root}")
        else:
            shutil.rmtree(workspace.root, ignore_errors=True)


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
    )
    # Precedence as in CodeBuild: buildspec < batch task < project/start-build (--env).
    env.update(request.spec.variables)
    env.update(request.task_variables)
    env.update(request.overrides)
    env.update({"CB_PLAN": f"{BOOTSTRAP_DIR}/plan.tsv", "CB_STATE_DIR": "/tmp/codebuild-local-state"})
    if os.getuid() != 0:
        env["CB_OWNER"] = f"{os.getuid()}:{os.getgid()}"
    return env


def _fill_workspace(workspace: _Workspace, request: BuildRequest) -> None:
    copy_source(request.source, workspace.src)
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
