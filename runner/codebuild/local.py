"""``e2e codebuild-local``: run ``buildspec.yml`` in the image the way CodeBuild does.

What CodeBuild does, and so what happens here:

- the image's ENTRYPOINT and CMD are replaced by the build agent (here: a small driver
  script), so nothing the ENTRYPOINT would start is running;
- the source is a fresh checkout (here: a copy of the files git tracks plus untracked,
  non-ignored ones) at ``/codebuild/output/srcNNN/src``, which is the working directory;
- ``CODEBUILD_*`` variables are set; the image's ENV is kept, but the buildspec's
  ``env.variables`` (and the project's, here ``--env``) replace variables of the same name
  literally, without expanding ``$PATH``;
- phases run in order in one shell session; after a failed install or pre_build nothing
  else runs, after a failed build post_build still runs with
  ``CODEBUILD_BUILD_SUCCEEDING=0``; ``finally`` blocks always run;
- the ``reports:`` files must exist when the build ends;
- ``--batch`` runs the ``batch:`` section: builds as concurrent containers, each with its
  own source copy, in the order ``depend-on`` gives.

Run folders the builds produced are moved into this project's ``reports/`` afterwards.
"""

from __future__ import annotations

import base64
import getpass
import json
import os
import random
import re
import shutil
import sys
import tempfile
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import click

from runner.codebuild.buildspec import PHASES, Batch, BatchTask, Buildspec, BuildspecError, ReportGroup, load_buildspec
from runner.run import RUN_ID_PATTERN, write_json_atomic
from runner.metadata import build_url, git

DEFAULT_IMAGE = "e2e-runner:latest"
DEFAULT_REGION = "us-east-1"
LOCAL_ACCOUNT = "000000000000"
BOOTSTRAP_DIR = "/codebuild/bootstrap"
SHARDS_DIR = "/codebuild/shards"
# Host variables that stand in for the project's service role and region.
PASS_THROUGH = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
)
# Never copied into a build's source: CodeBuild's checkout has none of them either.
ALWAYS_SKIP = {".git", ".venv", "node_modules", "reports", "__pycache__", ".pytest_cache", ".ruff_cache"}
_PHASE_LINE = re.compile(r"Phase complete: (\w+) State: (\w+)")

# The build driver put in place of the image's ENTRYPOINT (as CodeBuild puts its agent there),
# shipped as package data beside this module.
DRIVER = Path(__file__).with_name("driver.sh")


class CodebuildLocalError(Exception):
    """Something outside the buildspec stops the local build; the message says what to do."""


@dataclass
class ReportCheck:
    group: str
    file_format: str
    files: list[str]
    problems: list[str]


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


# --------------------------------------------------------------------------- source & env


def source_files(source: Path) -> list[str]:
    """Files a CodeBuild checkout would hold: git's tracked files plus untracked, non-ignored ones."""
    listed = git(source, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    if listed is not None:
        names = [n for n in listed.split("\0") if n]
    else:
        names = [str(p.relative_to(source)) for p in source.rglob("*") if p.is_file() or p.is_symlink()]
    return sorted(n for n in names if not (set(Path(n).parts) & ALWAYS_SKIP))


def copy_source(source: Path, dest: Path) -> int:
    """Copy the checkout into ``dest``; returns the number of files."""
    count = 0
    for name in source_files(source):
        src = source / name
        if not (src.is_file() or src.is_symlink()):
            continue  # deleted in the work tree but still tracked
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            target.symlink_to(os.readlink(src))
        else:
            shutil.copy2(src, target)
        count += 1
    return count


def next_build_number(project: str) -> int:
    """A per-project build counter, as CodeBuild keeps one."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "e2e-runner"
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / "codebuild-local-builds.json"
    import fcntl

    with open(path.with_suffix(".lock"), "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            counters = json.loads(path.read_text()) if path.is_file() else {}
        except (OSError, ValueError):
            counters = {}
        number = int(counters.get(project, 0)) + 1
        counters[project] = number
        write_json_atomic(path, counters)
    return number


def codebuild_variables(
    *,
    project: str,
    build_number: int,
    src_dir: str,
    image: str,
    region: str,
    source: Path,
    identifier: str | None = None,
    now: float | None = None,
) -> dict[str, str]:
    """The variables CodeBuild sets for a build started by a push webhook."""
    build_uuid = str(uuid.uuid4())
    build_id = f"{project}:{build_uuid}"
    arn = f"arn:aws:codebuild:{region}:{LOCAL_ACCOUNT}:build/{build_id}"
    commit = git(source, "rev-parse", "HEAD") or ""
    branch = git(source, "rev-parse", "--abbrev-ref", "HEAD")
    remote = git(source, "config", "--get", "remote.origin.url") or ""
    env = {
        "CODEBUILD_BUILD_ID": build_id,
        "CODEBUILD_BUILD_NUMBER": str(build_number),
        "CODEBUILD_BUILD_ARN": arn,
        "CODEBUILD_BUILD_IMAGE": image,
        "CODEBUILD_BUILD_SUCCEEDING": "1",
        "CODEBUILD_BUILD_URL": build_url({"CODEBUILD_BUILD_ARN": arn}) or "",
        "CODEBUILD_PROJECT_ARN": f"arn:aws:codebuild:{region}:{LOCAL_ACCOUNT}:project/{project}",
        "CODEBUILD_INITIATOR": f"codebuild-local/{_user()}",
        "CODEBUILD_SRC_DIR": src_dir,
        "CODEBUILD_RESOLVED_SOURCE_VERSION": commit,
        "CODEBUILD_SOURCE_VERSION": commit,
        "CODEBUILD_SOURCE_REPO_URL": remote,
        "CODEBUILD_START_TIME": str(int((now or time.time()) * 1000)),
        "CODEBUILD_LOCAL": "true",
        # CodeBuild hands credentials to the container itself; locally they come from --env
        # and the host's AWS_* variables, and the SDKs must never fall back to probing the
        # EC2 metadata address from a laptop or CI machine.
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "HOME": "/root",
    }
    if branch and branch != "HEAD":
        env["CODEBUILD_WEBHOOK_HEAD_REF"] = f"refs/heads/{branch}"
        env["CODEBUILD_WEBHOOK_TRIGGER"] = f"branch/{branch}"
        env["CODEBUILD_WEBHOOK_EVENT"] = "PUSH"
    if identifier:
        env["CODEBUILD_BATCH_BUILD_IDENTIFIER"] = identifier
    return env


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local"


def make_plan(spec: Buildspec) -> str:
    """The driver's input: one line per phase, command and finally command, commands in base64."""
    lines = []
    for name in PHASES:
        phase = spec.phases.get(name)
        if phase is None:
            continue
        lines.append(f"{name}\t{phase.on_failure}\tphase\t-")
        for kind, commands in (("cmd", phase.commands), ("finally", phase.finally_commands)):
            for command in commands:
                encoded = base64.b64encode(command.encode()).decode()
                lines.append(f"{name}\t{phase.on_failure}\t{kind}\t{encoded}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- reports


def check_reports(spec: Buildspec, workspace: Path) -> list[ReportCheck]:
    """The ``reports:`` files the build left, checked as CodeBuild's Test Reports would read them."""
    return [_check_group(group, workspace) for group in spec.reports.values()]


def _check_group(group: ReportGroup, workspace: Path) -> ReportCheck:
    base_text = group.base_directory.replace("$CODEBUILD_SRC_DIR", ".").replace("${CODEBUILD_SRC_DIR}", ".")
    base = workspace / base_text
    found: list[Path] = []
    for pattern in group.files:
        found.extend(p for p in sorted(base.glob(pattern)) if p.is_file())
    problems = []
    if not found:
        problems.append(
            f"no file matches {list(group.files)} under base-directory {group.base_directory!r}: "
            "CodeBuild would create no test report"
        )
    for path in found:
        problem = _check_file(path, group.file_format)
        if problem:
            problems.append(f"{path.relative_to(workspace)}: {problem}")
    return ReportCheck(
        group.name, group.file_format, [str(p.relative_to(workspace)) for p in found], problems
    )


def _step_durations(features: list) -> Iterator[object]:
    """Every step's ``result.duration`` in a Cucumber JSON document, skipping malformed parts."""
    for feature in features:
        elements = feature.get("elements", []) if isinstance(feature, dict) else []
        for element in elements:
            steps = element.get("steps", []) if isinstance(element, dict) else []
            for step in steps:
                if isinstance(step, dict):
                    yield (step.get("result") or {}).get("duration")


def _check_file(path: Path, file_format: str) -> str | None:
    if file_format == "CUCUMBERJSON":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            return f"not valid JSON ({exc})"
        if not isinstance(data, list):
            return "Cucumber JSON must be a list of features"
        if any(isinstance(duration, float) for duration in _step_durations(data)):
            return "a step duration is a float; CodeBuild rejects the file (it needs integer nanoseconds)"
        return None
    if file_format.endswith("XML"):
        try:
            ET.parse(path)
        except (OSError, ET.ParseError) as exc:
            return f"not valid XML ({exc})"
    return None


# --------------------------------------------------------------------------- running


class _Printer:
    """Serialises output of concurrent builds, each line prefixed by its build."""

    def __init__(self, stream=None) -> None:
        self._lock = threading.Lock()
        self._stream = stream or sys.stdout

    def line(self, prefix: str, text: str) -> None:
        with self._lock:
            self._stream.write(f"{prefix}{text}\n")
            self._stream.flush()


def _docker_client():
    try:
        import docker

        client = docker.from_env(timeout=600)
        client.ping()
    except Exception as exc:  # noqa: BLE001 - every way of failing gets the same advice
        raise CodebuildLocalError(
            f"the Docker engine does not answer ({exc}). Start it (scripts/start-docker.sh on a "
            "machine like the CI's) and try again."
        ) from None
    return client


def _image_entrypoint(client, image: str) -> list[str]:
    import docker.errors

    try:
        attrs = client.images.get(image).attrs
    except docker.errors.ImageNotFound:
        raise CodebuildLocalError(
            f"image {image!r} not found. Build it first: docker build --network host -t {image} . "
            "(or pass --build)"
        ) from None
    return list((attrs.get("Config") or {}).get("Entrypoint") or [])


def build_image(client, context: Path, image: str, printer: _Printer) -> None:
    """Build the image like `docker build --network host -t IMAGE CONTEXT`."""
    printer.line("", f"codebuild-local: building {image} from {context}/Dockerfile ...")
    error = None
    for chunk in client.api.build(path=str(context), tag=image, network_mode="host", rm=True, decode=True):
        if "error" in chunk:
            error = chunk["error"]
        text = chunk.get("stream", "").rstrip()
        if text.startswith("Step ") or text.startswith("Successfully"):
            printer.line("", text)
    if error:
        raise CodebuildLocalError(f"docker build failed: {error}")


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


def run_build(client, request: BuildRequest, printer: _Printer) -> BuildResult:
    """One build in one container; returns its status, phases and report checks."""
    spec = request.spec
    prefix = f"[{request.identifier}] " if request.identifier else ""
    workspace_root = Path(tempfile.mkdtemp(prefix="codebuild-local-"))
    src_host = workspace_root / "src"
    bootstrap_host = workspace_root / "bootstrap"
    src_host.mkdir()
    bootstrap_host.mkdir()
    container = None
    try:
        copy_source(request.source, src_host)
        (bootstrap_host / "driver.sh").write_bytes(DRIVER.read_bytes())
        (bootstrap_host / "plan.tsv").write_text(make_plan(spec))
        src_dir = f"/codebuild/output/src{random.randint(100_000_000, 999_999_999)}/src"
        number = next_build_number(request.project)
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
        env.update(spec.variables)
        env.update(request.task_variables)
        env.update(request.overrides)
        env.update(
            {
                "CB_PLAN": f"{BOOTSTRAP_DIR}/plan.tsv",
                "CB_STATE_DIR": "/tmp/codebuild-local-state",
            }
        )
        if os.getuid() != 0:
            env["CB_OWNER"] = f"{os.getuid()}:{os.getgid()}"
        volumes = {
            str(src_host): {"bind": src_dir, "mode": "rw"},
            str(bootstrap_host): {"bind": BOOTSTRAP_DIR, "mode": "ro"},
        }
        if request.shards_host_dir is not None:
            volumes[str(request.shards_host_dir)] = {"bind": SHARDS_DIR, "mode": "rw"}
        printer.line(
            prefix,
            f"codebuild-local: build {env['CODEBUILD_BUILD_ID']} (#{number}) in {request.image}, source at {src_dir}",
        )
        container = client.containers.create(
            request.image,
            entrypoint=["/bin/bash", f"{BOOTSTRAP_DIR}/driver.sh"],
            command=[],
            environment=env,
            working_dir=src_dir,
            volumes=volumes,
            network_mode="host",
            user="0",
            labels={"e2e-runner.codebuild-local": env["CODEBUILD_BUILD_ID"]},
        )
        container.start()
        phases: dict[str, str] = {}
        buffer = b""
        for chunk in container.logs(stream=True, follow=True):
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for raw in lines:
                text = raw.decode("utf-8", errors="replace")
                match = _PHASE_LINE.search(text)
                if match:
                    phases[match.group(1)] = match.group(2)
                printer.line(prefix, text)
        if buffer:
            printer.line(prefix, buffer.decode("utf-8", errors="replace"))
        exit_code = int(container.wait().get("StatusCode", 1))
        result = BuildResult(request.identifier, env["CODEBUILD_BUILD_ID"], exit_code == 0, exit_code, phases)
        result.reports = check_reports(spec, src_host)
        for check in result.reports:
            for problem in check.problems:
                printer.line(
                    prefix, f"[Container] report group {check.group} ({check.file_format}): {problem}"
                )
            if check.files:
                printer.line(
                    prefix,
                    f"[Container] report group {check.group} ({check.file_format}): {', '.join(check.files)}",
                )
        result.run_dirs = _collect_run_dirs(src_host, request.reports_dest)
        for run_dir in result.run_dirs:
            printer.line(prefix, f"codebuild-local: run folder {run_dir}")
        return result
    finally:
        if container is not None:
            try:
                container.remove(force=True)
            except Exception:  # noqa: BLE001 - cleanup must not hide the build's own outcome
                pass
        if request.keep_workspace:
            printer.line(prefix, f"codebuild-local: workspace kept at {workspace_root}")
        else:
            shutil.rmtree(workspace_root, ignore_errors=True)


def _collect_run_dirs(src_host: Path, dest: Path | None) -> list[Path]:
    """Move the run folders a build produced into the project's reports folder."""
    produced = src_host / "reports"
    if dest is None or not produced.is_dir():
        return []
    moved = []
    dest.mkdir(parents=True, exist_ok=True)
    for run_dir in sorted(produced.iterdir()):
        if run_dir.is_dir() and not run_dir.is_symlink() and RUN_ID_PATTERN.match(run_dir.name):
            target = dest / run_dir.name
            if not target.exists():
                shutil.move(str(run_dir), target)
                moved.append(target)
    return moved


# --------------------------------------------------------------------------- batch


def _task_spec(base: Buildspec, task: BatchTask, source: Path) -> Buildspec:
    if task.buildspec:
        return load_buildspec(source / task.buildspec)
    return base


def run_batch(
    client,
    base: BuildRequest,
    batch: Batch,
    printer: _Printer,
    submit: Callable[[BuildRequest], BuildResult] | None = None,
) -> list[BuildResult]:
    """Run the batch's builds, concurrently where ``depend-on`` allows, as CodeBuild schedules them."""
    if batch.kind in ("build-matrix", "build-fanout"):
        raise CodebuildLocalError(
            f"batch.{batch.kind} is not run locally; use build-graph or build-list "
            "(this project's buildspec.yml uses build-graph)"
        )
    tasks = {t.identifier: t for t in batch.tasks}
    results: dict[str, BuildResult] = {}
    shards_dir = Path(tempfile.mkdtemp(prefix="codebuild-local-shards-"))
    run = submit or (lambda req: run_build(client, req, printer))

    def request_for(task: BatchTask) -> BuildRequest:
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
        )

    try:
        with ThreadPoolExecutor(max_workers=max(1, len(tasks))) as pool:
            running: dict[Future, str] = {}
            pending = dict(tasks)
            stop = False
            while pending or running:
                for name, task in list(pending.items()):
                    if stop:
                        break
                    deps = [results.get(d) for d in task.depend_on]
                    if any(d is None for d in deps):
                        continue
                    del pending[name]
                    blocked = [
                        d.identifier
                        for d in deps
                        if d is not None and not d.succeeded and not tasks[d.identifier or ""].ignore_failure
                    ]
                    if blocked:
                        printer.line(
                            f"[{name}] ", f"codebuild-local: not started: {', '.join(blocked)} failed"
                        )
                        results[name] = BuildResult(name, "", False, 1, skipped=True)
                        continue
                    running[pool.submit(run, request_for(task))] = name
                if stop:
                    for name in pending:
                        results[name] = BuildResult(name, "", False, 1, skipped=True)
                    pending.clear()
                if not running:
                    if pending:  # only tasks waiting on skipped ones remain
                        continue
                    break
                done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in done:
                    name = running.pop(future)
                    results[name] = future.result()
                    if batch.fast_fail and not results[name].succeeded and not tasks[name].ignore_failure:
                        stop = True
    finally:
        shutil.rmtree(shards_dir, ignore_errors=True)
    return [results[t.identifier] for t in batch.tasks]


def batch_succeeded(batch: Batch, results: list[BuildResult]) -> bool:
    by_name = {t.identifier: t for t in batch.tasks}
    return all(r.succeeded or by_name[r.identifier or ""].ignore_failure for r in results)


# --------------------------------------------------------------------------- CLI


def _parse_env_options(values: tuple[str, ...], environ: Mapping[str, str]) -> dict[str, str]:
    result = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not name or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
            raise click.BadParameter(f"{item!r}: expected NAME=VALUE or NAME", param_hint="--env")
        if not sep:
            if name not in environ:
                raise click.BadParameter(f"{name} is not set in this shell", param_hint="--env")
            value = environ[name]
        result[name] = value
    return result


@click.command("codebuild-local")
@click.option(
    "--buildspec",
    "buildspec_path",
    default="buildspec.yml",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The buildspec to run (relative to --source).",
)
@click.option(
    "--image",
    envvar="E2E_IMAGE",
    default=DEFAULT_IMAGE,
    show_default=True,
    help="The build image (env: E2E_IMAGE).",
)
@click.option(
    "--source",
    default=".",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The project to build (default: the current folder).",
)
@click.option(
    "--project", default=None, help="CodeBuild project name for the variables (default: folder name)."
)
@click.option(
    "--region", default=None, help="AWS region for the variables (default: AWS_REGION or us-east-1)."
)
@click.option(
    "-e",
    "--env",
    "env_items",
    multiple=True,
    metavar="NAME[=VALUE]",
    help="A project environment variable (overrides the buildspec's, literally). NAME alone copies it "
    "from this shell. Repeatable.",
)
@click.option(
    "--batch", is_flag=True, help="Run the buildspec's batch: section (builds as concurrent containers)."
)
@click.option("--build", "build_first", is_flag=True, help="Build the image from ./Dockerfile first.")
@click.option("--keep-workspace", is_flag=True, help="Keep each build's source copy for inspection.")
@click.option(
    "--allow-missing-reports",
    is_flag=True,
    help="Do not fail the local run when a reports: group finds no files or an invalid file.",
)
@click.option("--check", "check_only", is_flag=True, help="Only check the buildspec; run nothing.")
def codebuild_local_command(
    buildspec_path: Path,
    image: str,
    source: Path,
    project: str | None,
    region: str | None,
    env_items: tuple[str, ...],
    batch: bool,
    build_first: bool,
    keep_workspace: bool,
    allow_missing_reports: bool,
    check_only: bool,
) -> None:
    """Run buildspec.yml in the image as AWS CodeBuild would, before you push.

    The image's ENTRYPOINT is replaced (as CodeBuild replaces it), the source is a fresh
    copy at a CodeBuild-like path, CODEBUILD_* variables are set and the phases follow
    CodeBuild's rules. The exit status is the build's status.
    """
    source = source.resolve()
    path = buildspec_path if buildspec_path.is_absolute() else source / buildspec_path
    try:
        spec = load_buildspec(path)
    except BuildspecError as exc:
        raise click.ClickException(str(exc)) from None
    for note in spec.unsupported:
        click.echo(f"codebuild-local: not applied locally: {note}", err=True)
    for name, value in spec.variables.items():
        if "$" in value:
            # CodeBuild sets buildspec variables as they are written; a classic surprise.
            click.echo(
                f"codebuild-local: note: env.variables.{name} = {value!r} is set literally, as CodeBuild "
                "does: the '$' is not expanded. Export it in a command instead if you meant expansion.",
                err=True,
            )
    if batch and spec.batch is None:
        raise click.ClickException(f"{path}: --batch given but the buildspec has no batch: section")
    if check_only:
        click.echo(
            f"{path}: valid buildspec (phases: {', '.join(spec.phases)}; reports: {len(spec.reports)}"
            f"{'; batch: ' + spec.batch.kind if spec.batch else ''})"
        )
        return

    overrides = {name: os.environ[name] for name in PASS_THROUGH if os.environ.get(name)}
    overrides.update(_parse_env_options(env_items, os.environ))
    printer = _Printer()
    try:
        client = _docker_client()
        if build_first:
            build_image(client, source, image, printer)
        entrypoint = _image_entrypoint(client, image)
        if entrypoint:
            printer.line(
                "",
                f"codebuild-local: the image's ENTRYPOINT {entrypoint} is replaced by the build driver, "
                "as CodeBuild replaces it: nothing it starts is running.",
            )
        request = BuildRequest(
            spec=spec,
            image=image,
            source=source,
            project=project or re.sub(r"[^A-Za-z0-9_-]", "-", source.name) or "project",
            region=region
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or DEFAULT_REGION,
            overrides=overrides,
            keep_workspace=keep_workspace,
            reports_dest=source / "reports",
        )
        if batch:
            assert spec.batch is not None
            results = run_batch(client, request, spec.batch, printer)
            ok = batch_succeeded(spec.batch, results)
        else:
            results = [run_build(client, request, printer)]
            ok = results[0].succeeded
    except CodebuildLocalError as exc:
        raise click.ClickException(str(exc)) from None
    except BuildspecError as exc:
        raise click.ClickException(str(exc)) from None

    click.echo("")
    for result in results:
        name = result.identifier or "build"
        state = "SKIPPED" if result.skipped else ("SUCCEEDED" if result.succeeded else "FAILED")
        phases = ", ".join(f"{p}={s}" for p, s in result.phases.items())
        click.echo(f"codebuild-local: {name}: {state}" + (f" ({phases})" if phases else ""))
    problems = [p for r in results for p in r.report_problems]
    if problems and not allow_missing_reports:
        click.echo("codebuild-local: reports: problems found (--allow-missing-reports to ignore):", err=True)
        for problem in problems:
            click.echo(f"  {problem}", err=True)
        ok = False
    click.echo(f"codebuild-local: {'batch' if batch else 'build'} {'SUCCEEDED' if ok else 'FAILED'}")
    sys.exit(0 if ok else 1)
