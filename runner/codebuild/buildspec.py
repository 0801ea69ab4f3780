"""Reading ``buildspec.yml`` (version 0.2) into a checked, typed object.

Errors name the file and line, the way CodeBuild's own "YAML_FILE_ERROR" does not: a
typo in a phase name or a number where a list of commands belongs is reported before any
container starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

PHASES = ("install", "pre_build", "build", "post_build")
TOP_LEVEL_KEYS = ("version", "run-as", "env", "proxy", "phases", "reports", "artifacts", "cache", "batch")
ENV_KEYS = (
    "shell",
    "variables",
    "parameter-store",
    "exported-variables",
    "secrets-manager",
    "git-credential-helper",
)
PHASE_KEYS = ("run-as", "on-failure", "runtime-versions", "commands", "finally")
# env.shell: the values the buildspec reference documents for Linux. When unset, commands run in
# /bin/sh: the reference does not say so, but the service's logs do (a buildspec using `[[` fails
# with "/codebuild/output/tmp/script.sh: 4: [[: not found" unless it sets `shell: bash`).
SHELLS = ("bash", "/bin/sh")
DEFAULT_SHELL = "/bin/sh"
ON_FAILURE_FORMS = "ABORT, CONTINUE, RETRY, RETRY-<count>, RETRY-<regex> or RETRY-<count>-<regex>"
# RETRY without a count retries up to 3 times; a count must be between 0 and 100 (the reference).
DEFAULT_RETRIES = 3
MAX_RETRIES = 100
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


class BuildspecError(Exception):
    """The buildspec is not valid YAML or not a valid version 0.2 buildspec."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class OnFailure:
    """A phase's ``on-failure``: what happens when the phase fails.

    ``action`` is ``DEFAULT`` when the phase has no ``on-failure`` (CodeBuild's phase
    transitions apply), else ``ABORT``, ``CONTINUE`` or ``RETRY``. A ``RETRY`` phase is run
    again up to ``retries`` more times while its error message matches ``pattern``
    (searched anywhere in the message, as Go's regexp.MatchString does); when the retries
    are used up or the message does not match, the phase transitions apply.
    """

    action: str = "DEFAULT"
    retries: int = 0
    pattern: str | None = None

    def retries_on(self, message: str) -> bool:
        """Whether a failure with this error message is retried (retries left or not)."""
        return self.action == "RETRY" and re.search(self.pattern or "", message) is not None


@dataclass(frozen=True)
class Phase:
    name: str
    commands: tuple[str, ...] = ()
    finally_commands: tuple[str, ...] = ()
    on_failure: OnFailure = OnFailure()
    run_as: str | None = None


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


@dataclass(frozen=True)
class Buildspec:
    path: Path
    version: str
    variables: dict[str, str]
    phases: dict[str, Phase]
    reports: dict[str, ReportGroup]
    batch: Batch | None = None
    shell: str = DEFAULT_SHELL
    run_as: str | None = None
    unsupported: tuple[str, ...] = ()  # what a local run cannot honour, for a warning


class _Checker:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, node: yaml.Node | None, message: str) -> BuildspecError:
        line = node.start_mark.line + 1 if node is not None else None
        return BuildspecError(self.path, line, message)

    def mapping(self, node: yaml.Node, where: str, allowed: tuple[str, ...] | None = None) -> dict:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{where} must be a mapping (key: value lines), not {_kind(node)}")
        result: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, f"{where}: keys must be plain names")
            key = str(key_node.value)
            if key in result:
                raise self.fail(key_node, f"{where}: '{key}' is given twice")
            if allowed is not None and key not in allowed:
                hint = _closest(key, allowed)
                raise self.fail(
                    key_node,
                    f"{where}: unknown key '{key}'"
                    + (f" (did you mean '{hint}'?)" if hint else "")
                    + f"; allowed: {', '.join(allowed)}",
                )
            result[key] = (key_node, value_node)
        return result

    def scalar(self, node: yaml.Node, where: str) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, f"{where} must be a single value, not {_kind(node)}")
        return str(node.value)

    def boolean(self, node: yaml.Node, where: str) -> bool:
        value = self.scalar(node, where).strip().lower()
        if value in ("true", "yes", "on"):
            return True
        if value in ("false", "no", "off"):
            return False
        raise self.fail(node, f"{where} must be true or false, not {value!r}")

    def string_list(self, node: yaml.Node, where: str) -> tuple[str, ...]:
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return ()
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, f"{where} must be a list ('- item' lines), not {_kind(node)}")
        items = []
        for item in node.value:
            if not isinstance(item, yaml.ScalarNode):
                raise self.fail(
                    item,
                    f"{where}: each item must be a string, not {_kind(item)} "
                    "(quote a command that contains ': ' or starts with a special character)",
                )
            items.append(str(item.value))
        return tuple(items)

    def variables(self, node: yaml.Node, where: str) -> dict[str, str]:
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return {}
        result = {}
        for key, (key_node, value_node) in self.mapping(node, where).items():
            if not key.replace("_", "a").isalnum() or key[0].isdigit():
                raise self.fail(key_node, f"{where}: '{key}' is not a valid environment variable name")
            if isinstance(value_node, yaml.ScalarNode) and value_node.tag == "tag:yaml.org,2002:null":
                result[key] = ""
            else:
                result[key] = self.scalar(value_node, f"{where}.{key}")
        return result


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag == "tag:yaml.org,2002:null":
        return "empty"
    return f"the value {node.value!r}"


def _closest(word: str, choices: tuple[str, ...]) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return found[0] if found else None


def parse_buildspec(text: str, path: Path) -> Buildspec:
    """Parse and check a buildspec's text; raises BuildspecError naming file and line.

    The sections are checked in the order they are read here, so of several mistakes the
    first one in this order is the one reported.
    """
    root = _compose(text, path)
    check = _Checker(path)
    top = check.mapping(root, "the buildspec", TOP_LEVEL_KEYS)
    unsupported: list[str] = []
    version = _parse_version(check, root, top)
    run_as = check.scalar(top["run-as"][1], "run-as") if "run-as" in top else None
    if run_as:
        unsupported.append("run-as (commands run as root)")
    variables, shell = _parse_env(check, top["env"][1], unsupported) if "env" in top else ({}, DEFAULT_SHELL)
    if "phases" not in top:
        raise check.fail(root, "'phases' is missing; a buildspec needs at least one phase with commands")
    phases = _parse_phases(check, top["phases"][1], unsupported)
    reports = _parse_reports(check, top["reports"][1]) if "reports" in top else {}
    batch = _parse_batch(check, top["batch"][1]) if "batch" in top else None
    for key in ("artifacts", "cache", "proxy"):
        if key in top:
            check.mapping(top[key][1], key)
    return Buildspec(
        path=path,
        version=version,
        variables=variables,
        phases=phases,
        reports=reports,
        batch=batch,
        shell=shell,
        run_as=run_as,
        unsupported=tuple(unsupported),
    )


def _compose(text: str, path: Path) -> yaml.Node:
    """The YAML node tree of a non-empty document; YAML errors carry their line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line = mark.line + 1 if mark is not None else None
        raise BuildspecError(path, line, f"not valid YAML: {problem}") from None
    if root is None:
        raise BuildspecError(
            path, None, "the file is empty; a buildspec needs at least 'version: 0.2' and 'phases'"
        )
    return root


def _parse_version(check: _Checker, root: yaml.Node, top: dict) -> str:
    if "version" not in top:
        raise check.fail(root, "'version' is missing; use 'version: 0.2'")
    version_node = top["version"][1]
    version = check.scalar(version_node, "version")
    if version != "0.2":
        raise check.fail(
            version_node,
            f"version {version!r} is not supported; use 0.2 (0.1 runs each command in a separate shell)",
        )
    return version


def _parse_env(check: _Checker, node: yaml.Node, unsupported: list[str]) -> tuple[dict[str, str], str]:
    """``env:``: its variables and shell; what cannot be resolved locally goes to ``unsupported``."""
    env = check.mapping(node, "env", ENV_KEYS)
    variables: dict[str, str] = {}
    shell = DEFAULT_SHELL
    if "variables" in env:
        variables = check.variables(env["variables"][1], "env.variables")
    if "shell" in env:
        shell = check.scalar(env["shell"][1], "env.shell")
        if shell.lower() in ("powershell.exe", "cmd.exe"):
            raise check.fail(
                env["shell"][1],
                f"env.shell {shell!r} is a Windows shell; the local builds are Linux containers",
            )
        if shell not in SHELLS:
            raise check.fail(
                env["shell"][1], f"env.shell {shell!r}: use bash or /bin/sh (CodeBuild's Linux shells)"
            )
    for key in ("parameter-store", "secrets-manager"):
        if key in env:
            check.variables(env[key][1], f"env.{key}")
            unsupported.append(f"env.{key} (not resolved locally: pass the values with --env NAME=VALUE)")
    if "exported-variables" in env:
        check.string_list(env["exported-variables"][1], "env.exported-variables")
    return variables, shell


def _parse_phases(check: _Checker, node: yaml.Node, unsupported: list[str]) -> dict[str, Phase]:
    phases_map = check.mapping(node, "phases", PHASES)
    return {name: _parse_phase(check, name, body, unsupported) for name, (_, body) in phases_map.items()}


def _parse_phase(check: _Checker, name: str, node: yaml.Node, unsupported: list[str]) -> Phase:
    where = f"phases.{name}"
    body = check.mapping(node, where, PHASE_KEYS)
    if "runtime-versions" in body:
        if name != "install":
            raise check.fail(
                body["runtime-versions"][0], f"{where}: runtime-versions belongs to install only"
            )
        unsupported.append("phases.install.runtime-versions (the image is used as it is)")
    on_failure = OnFailure()
    if "on-failure" in body:
        node = body["on-failure"][1]
        try:
            on_failure = parse_on_failure(check.scalar(node, f"{where}.on-failure"))
        except ValueError as exc:
            raise check.fail(node, f"{where}.on-failure: {exc}") from None
    phase_run_as = check.scalar(body["run-as"][1], f"{where}.run-as") if "run-as" in body else None
    if phase_run_as:
        unsupported.append(f"{where}.run-as (commands run as root)")
    commands = check.string_list(body["commands"][1], f"{where}.commands") if "commands" in body else ()
    finally_commands = check.string_list(body["finally"][1], f"{where}.finally") if "finally" in body else ()
    if "finally" in body and "commands" not in body:
        raise check.fail(body["finally"][0], f"{where}: 'finally' needs a 'commands' list beside it")
    return Phase(name, commands, finally_commands, on_failure, phase_run_as)


def parse_on_failure(text: str) -> OnFailure:
    """``ABORT``, ``CONTINUE``, ``RETRY``, ``RETRY-<count>``, ``RETRY-<regex>`` or ``RETRY-<count>-<regex>``.

    The keywords are read case-insensitively (the reference's own examples write
    ``Retry-4-...``); the regex is kept as written. After ``RETRY-``, digits alone are a
    count, digits and a dash start ``<count>-<regex>``, anything else is a regex.
    Raises ValueError saying what is wrong.
    """
    value = text.strip()
    if value.upper() in ("ABORT", "CONTINUE"):
        return OnFailure(value.upper())
    match = re.fullmatch(r"retry(?:-(.*))?", value, re.IGNORECASE | re.DOTALL)
    if match is None:
        raise ValueError(f"{value!r} is not one of {ON_FAILURE_FORMS}")
    rest = match.group(1)
    retries, pattern = DEFAULT_RETRIES, ".*"
    if rest is not None:
        counted = re.fullmatch(r"(\d+)(?:-(.*))?", rest, re.DOTALL)
        if counted:
            retries = int(counted.group(1))
            pattern = counted.group(2) if counted.group(2) is not None else ".*"
        else:
            pattern = rest
        if not pattern:
            raise ValueError(
                f"{value!r}: nothing after the dash; write the regular expression or leave the dash out"
            )
    if not 0 <= retries <= MAX_RETRIES:
        raise ValueError(f"{value!r}: the retry count must be between 0 and {MAX_RETRIES}")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{value!r}: {pattern!r} is not a valid regular expression ({exc})") from None
    return OnFailure("RETRY", retries, pattern)


def _parse_reports(check: _Checker, node: yaml.Node) -> dict[str, ReportGroup]:
    groups = check.mapping(node, "reports")
    if len(groups) > MAX_REPORT_GROUPS:
        raise check.fail(node, f"reports: at most {MAX_REPORT_GROUPS} report groups are allowed")
    return {
        name: _parse_report_group(check, name, key_node, body) for name, (key_node, body) in groups.items()
    }


def _parse_report_group(check: _Checker, name: str, key_node: yaml.Node, node: yaml.Node) -> ReportGroup:
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


def _check_inside_source(check: _Checker, node: yaml.Node, where: str, path: str, written: str) -> None:
    """Report paths stay inside the source folder: the local run never reads the host's files."""
    if leaves_source(path):
        raise check.fail(
            node,
            f"{where}: {written!r} points outside the source folder; report paths must stay inside "
            "CODEBUILD_SRC_DIR (relative, without '..' above it): the local run reads them from the "
            "build's source copy, never from the host",
        )


def _parse_batch(check: _Checker, node: yaml.Node) -> Batch:
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


def _parse_task(check: _Checker, kind: str, node: yaml.Node, seen: set[str]) -> BatchTask:
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


def _check_acyclic(check: _Checker, node: yaml.Node, tasks: list[BatchTask]) -> None:
    deps = {t.identifier: set(t.depend_on) for t in tasks}
    done: set[str] = set()
    while deps:
        ready = [name for name, wanted in deps.items() if wanted <= done]
        if not ready:
            raise check.fail(node, f"batch: depend-on forms a cycle among {', '.join(sorted(deps))}")
        for name in ready:
            done.add(name)
            del deps[name]


def load_buildspec(path: Path) -> Buildspec:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BuildspecError(Path(path), None, f"cannot read the buildspec ({exc.strerror})") from None
    return parse_buildspec(text, Path(path))
