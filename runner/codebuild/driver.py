"""The build driver: the script put in place of the image's ENTRYPOINT, its input, its output.

CodeBuild puts its agent where the image's ENTRYPOINT was; locally ``driver.sh`` (shipped as
package data beside this module) takes that place. It reads a plan of the phases and their
commands and prints CodeBuild-style ``[Container]`` lines, among them one per finished phase.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

from runner.codebuild.buildspec import PHASES, Buildspec

DRIVER = Path(__file__).with_name("driver.sh")
# Where the driver and its plan are mounted in the build container.
BOOTSTRAP_DIR = "/codebuild/bootstrap"
_PHASE_LINE = re.compile(r"Phase complete: (\w+) State: (\w+)")


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


def phase_outcome(line: str) -> tuple[str, str] | None:
    """``(PHASE, STATE)`` when ``line`` is the driver's "Phase complete" line, else None."""
    match = _PHASE_LINE.search(line)
    return (match.group(1), match.group(2)) if match else None
