"""Reading ``buildspec.yml`` (version 0.2) into a checked, typed object.

Errors name the file and line, the way CodeBuild's own "YAML_FILE_ERROR" does not: a
typo in a phase name or a number where a list of commands belongs is reported before any
container starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from runner.codebuild.buildspec_sections import Batch, ReportGroup, parse_batch, parse_reports
from runner.codebuild.yaml_checker import BuildspecError, Checker, compose

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


def parse_buildspec(text: str, path: Path) -> Buildspec:
    """Parse and check a buildspec's text; raises BuildspecError naming file and line.

    The sections are checked in the order they are read here, so of several mistakes the
    first one in this order is the one reported.
    """
    root = compose(text, path)
    check = Checker(path)
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
    reports = parse_reports(check, top["reports"][1]) if "reports" in top else {}
    batch = parse_batch(check, top["batch"][1]) if "batch" in top else None
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


def _parse_version(check: Checker, root: yaml.Node, top: dict) -> str:
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


def _parse_env(check: Checker, node: yaml.Node, unsupported: list[str]) -> tuple[dict[str, str], str]:
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


def _parse_phases(check: Checker, node: yaml.Node, unsupported: list[str]) -> dict[str, Phase]:
    phases_map = check.mapping(node, "phases", PHASES)
    return {name: _parse_phase(check, name, body, unsupported) for name, (_, body) in phases_map.items()}


def _parse_phase(check: Checker, name: str, node: yaml.Node, unsupported: list[str]) -> Phase:
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


def load_buildspec(path: Path) -> Buildspec:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BuildspecError(Path(path), None, f"cannot read the buildspec ({exc.strerror})") from None
    return parse_buildspec(text, Path(path))
