"""The buildspec's ``reports`` and ``batch`` sections: their model and their checks (a report
group's paths stay inside the source; a batch graph's tasks are known and acyclic)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

import yaml

from runner.codebuild.yaml_checker import Checker

REPORT_KEYS = ("files", "base-directory", "discard-paths", "file-format")


REPORT_FORMATS = (
    "JUNITXML",
    "CUCUMBERJSON",
    "TESTNGXML",
    "VISUALSTUDIOTRX",
    "NUNITXML",
    "NUNIT3XML",
    "CLOVERXML",
    "COBERTURAXML",
    "JACOCOXML",
    "SIMPLECOV",
)


MAX_REPORT_GROUPS = 5


BATCH_KINDS = ("build-graph", "build-list", "build-matrix", "build-fanout")


BATCH_TASK_KEYS = ("identifier", "buildspec", "debug-session", "depend-on", "env", "ignore-failure")


BATCH_TASK_ENV_KEYS = ("compute-type", "fleet", "image", "privileged-mode", "type", "variables")


@dataclass(frozen=True)
class ReportGroup:
    name: str
    files: tuple[str, ...]
    base_directory: str = "."
    discard_paths: bool = False
    file_format: str = "JUNITXML"


@dataclass(frozen=True)
class BatchTask:
    identifier: str
    variables: dict[str, str] = field(default_factory=dict)
    depend_on: tuple[str, ...] = ()
    ignore_failure: bool = False
    buildspec: str | None = None


@dataclass(frozen=True)
class Batch:
    kind: str
    tasks: tuple[BatchTask, ...]
    fast_fail: bool = False


def parse_reports(check: Checker, node: yaml.Node) -> dict[str, ReportGroup]:
    groups = check.mapping(node, "reports")
    if len(groups) > MAX_REPORT_GROUPS:
        raise check.fail(node, f"reports: at most {MAX_REPORT_GROUPS} report groups are allowed")
    return {
        name: _parse_report_group(check, name, key_node, body) for name, (key_node, body) in groups.items()
    }


def _parse_report_group(check: Checker, name: str, key_node: yaml.Node, node: yaml.Node) -> ReportGroup:
    where = f"reports.{name}"
    body = check.mapping(node, where, REPORT_KEYS)
    if "files" not in body:
        raise check.fail(key_node, f"{where}: 'files' is missing")
    files = check.string_list(body["files"][1], f"{where}.files")
    if not files:
        raise check.fail(body["files"][1], f"{where}.files is empty")
    file_format = "JUNITXML"
    if "file-format" in body:
        file_format = check.scalar(body["file-format"][1], f"{where}.file-format").upper()
        if file_format not in REPORT_FORMATS:
            raise check.fail(
                body["file-format"][1],
                f"{where}.file-format {file_format!r}: use one of {', '.join(REPORT_FORMATS)}",
            )
    base = (
        check.scalar(body["base-directory"][1], f"{where}.base-directory")
        if "base-directory" in body
        else "."
    )
    if "base-directory" in body:
        _check_inside_source(
            check, body["base-directory"][1], f"{where}.base-directory", source_relative(base), base
        )
    for item, pattern in zip(body["files"][1].value, files, strict=True):
        # A pattern is read under the base directory: "../x.xml" under "out/junit" is still inside.
        joined = str(PurePosixPath(source_relative(base)) / pattern)
        _check_inside_source(check, item, f"{where}.files", joined, pattern)
    discard = (
        check.boolean(body["discard-paths"][1], f"{where}.discard-paths")
        if "discard-paths" in body
        else False
    )
    return ReportGroup(name, files, base, discard, file_format)


def source_relative(path: str) -> str:
    """A report path with a leading ``$CODEBUILD_SRC_DIR`` (or ``${CODEBUILD_SRC_DIR}``) made relative."""
    for prefix in ("${CODEBUILD_SRC_DIR}", "$CODEBUILD_SRC_DIR"):
        if path == prefix:
            return "."
        if path.startswith(prefix + "/"):
            return "." + path[len(prefix) :]
    return path


def leaves_source(path: str) -> bool:
    """Whether a report path, read from the source folder, points outside it (absolute, or ``..`` above it)."""
    pure = PurePosixPath(path)
    if pure.is_absolute():
        return True
    depth = 0
    for part in pure.parts:
        depth += -1 if part == ".." else (0 if part == "." else 1)
        if depth < 0:
            return True
    return False


def _check_inside_source(check: Checker, node: yaml.Node, where: str, path: str, written: str) -> None:
    """Report paths stay inside the source folder: the local run never reads the host's files."""
    if leaves_source(path):
        raise check.fail(
            node,
            f"{where}: {written!r} points outside the source folder; report paths must stay inside "
            "CODEBUILD_SRC_DIR (relative, without '..' above it): the local run reads them from the "
            "build's source copy, never from the host",
        )


def parse_batch(check: Checker, node: yaml.Node) -> Batch:
    body = check.mapping(
        node, "batch", ("fast-fail", "build-graph", "build-list", "build-matrix", "build-fanout")
    )
    fast_fail = check.boolean(body["fast-fail"][1], "batch.fast-fail") if "fast-fail" in body else False
    kinds = [k for k in BATCH_KINDS if k in body]
    if len(kinds) != 1:
        raise check.fail(node, f"batch needs exactly one of: {', '.join(BATCH_KINDS)}")
    kind = kinds[0]
    kind_node = body[kind][1]
    if kind in ("build-matrix", "build-fanout"):
        check.mapping(kind_node, f"batch.{kind}")
        return Batch(kind, (), fast_fail)
    if not isinstance(kind_node, yaml.SequenceNode):
        raise check.fail(kind_node, f"batch.{kind} must be a list of build tasks")
    tasks: list[BatchTask] = []
    seen: set[str] = set()
    for item in kind_node.value:
        task = _parse_task(check, kind, item, seen)
        seen.add(task.identifier)
        tasks.append(task)
    for task in tasks:
        for dep in task.depend_on:
            if dep not in seen:
                raise check.fail(
                    kind_node, f"batch.{kind}.{task.identifier}: depend-on names unknown task {dep!r}"
                )
    _check_acyclic(check, kind_node, tasks)
    return Batch(kind, tuple(tasks), fast_fail)


def _parse_task(check: Checker, kind: str, node: yaml.Node, seen: set[str]) -> BatchTask:
    """One task of ``build-graph`` or ``build-list``; ``seen`` holds the identifiers before it."""
    task = check.mapping(node, f"batch.{kind}[]", BATCH_TASK_KEYS)
    if "identifier" not in task:
        raise check.fail(node, f"batch.{kind}: every task needs an 'identifier'")
    ident = check.scalar(task["identifier"][1], "identifier")
    if not ident.replace("_", "a").isalnum():
        raise check.fail(task["identifier"][1], f"identifier {ident!r}: use letters, digits and underscores")
    if ident in seen:
        raise check.fail(task["identifier"][1], f"identifier {ident!r} is used twice")
    where = f"batch.{kind}.{ident}"
    variables: dict[str, str] = {}
    if "env" in task:
        env = check.mapping(task["env"][1], f"{where}.env", BATCH_TASK_ENV_KEYS)
        if "variables" in env:
            variables = check.variables(env["variables"][1], f"{where}.env.variables")
    depend_on = check.string_list(task["depend-on"][1], f"{where}.depend-on") if "depend-on" in task else ()
    if depend_on and kind != "build-graph":
        raise check.fail(task["depend-on"][0], f"{where}: depend-on is only allowed in build-graph")
    ignore = (
        check.boolean(task["ignore-failure"][1], f"{where}.ignore-failure")
        if "ignore-failure" in task
        else False
    )
    other = check.scalar(task["buildspec"][1], f"{where}.buildspec") if "buildspec" in task else None
    return BatchTask(ident, variables, depend_on, ignore, other)


def _check_acyclic(check: Checker, node: yaml.Node, tasks: list[BatchTask]) -> None:
    deps = {t.identifier: set(t.depend_on) for t in tasks}
    done: set[str] = set()
    while deps:
        ready = [name for name, wanted in deps.items() if wanted <= done]
        if not ready:
            raise check.fail(node, f"batch: depend-on forms a cycle among {', '.join(sorted(deps))}")
        for name in ready:
            done.add(name)
            del deps[name]
