"""The build driver: the script put in place of the image's ENTRYPOINT, its input, its output.

CodeBuild puts its agent where the image's ENTRYPOINT was; locally ``driver.sh`` (shipped as
package data beside this module) takes that place. It reads a plan of the phases and their
commands and prints CodeBuild-style ``[Container]`` lines, among them one per finished phase.

The plan is plain text, one record a line, fields separated by tabs:

- ``shell SHELL``: the shell the commands run in (``bash`` or ``/bin/sh``);
- ``phase NAME ACTION RETRIES``: a phase, in run order; ``ACTION`` is ``DEFAULT`` (no
  ``on-failure``), ``ABORT``, ``CONTINUE`` or ``RETRY``;
- ``cmd NAME RETRY_ON BASE64`` and ``finally NAME RETRY_ON BASE64``: a command of the
  phase's ``commands`` or ``finally`` list. ``RETRY_ON`` lists the exit statuses (``1-3,75``;
  ``-`` for none) for which the command's error message matches the phase's ``RETRY`` regex.

The regex is matched here, in Python, against every message a command can produce
(``error_message``), so that the driver, a bash script that runs in any image, needs no
regex engine of its own and the regex means the same as it does to ``--check``.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

from runner.codebuild.buildspec import PHASES, Buildspec, OnFailure

DRIVER = Path(__file__).with_name("driver.sh")
# Where the driver and its plan are mounted in the build container.
BOOTSTRAP_DIR = "/codebuild/bootstrap"
# Where the driver keeps the session between commands, and writes each command's script:
# the service runs each command as /codebuild/output/tmp/script.sh (its error messages say so).
STATE_DIR = "/codebuild/output/tmp"
_PHASE_LINE = re.compile(r"Phase complete: (\w+) State: (\w+)")
EXIT_STATUSES = range(1, 256)


def error_message(command: str, status: int) -> str:
    """The phase's error message when ``command`` fails with ``status``, as CodeBuild words it.

    This is the message a ``RETRY-<regex>`` is matched against; the driver prints the same
    text in its "Phase context status code" line.
    """
    return f"Error while executing command: {command}. Reason: exit status {status}"


def make_plan(spec: Buildspec) -> str:
    """The driver's input (see the module docstring)."""
    lines = [f"shell\t{spec.shell}"]
    for name in PHASES:
        phase = spec.phases.get(name)
        if phase is None:
            continue
        policy = phase.on_failure
        lines.append(f"phase\t{name}\t{policy.action}\t{policy.retries}")
        for kind, commands in (("cmd", phase.commands), ("finally", phase.finally_commands)):
            for command in commands:
                encoded = base64.b64encode(command.encode()).decode()
                lines.append(f"{kind}\t{name}\t{retry_statuses(policy, command)}\t{encoded}")
    return "\n".join(lines) + "\n"


def retry_statuses(policy: OnFailure, command: str) -> str:
    """The exit statuses of ``command`` that ``policy`` retries, as ranges (``1-255``), or ``-``."""
    if policy.action != "RETRY":
        return "-"
    statuses = [s for s in EXIT_STATUSES if policy.retries_on(error_message(command, s))]
    return _ranges(statuses) or "-"


def _ranges(numbers: list[int]) -> str:
    parts: list[str] = []
    start = prev = None
    for n in [*numbers, None]:
        if n is not None and prev is not None and n == prev + 1:
            prev = n
            continue
        if start is not None:
            parts.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = n
    return ",".join(parts)


def phase_outcome(line: str) -> tuple[str, str] | None:
    """``(PHASE, STATE)`` when ``line`` is the driver's "Phase complete" line, else None."""
    match = _PHASE_LINE.search(line)
    return (match.group(1), match.group(2)) if match else None
