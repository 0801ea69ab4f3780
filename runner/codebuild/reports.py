"""What a build leaves in its workspace: ``reports:`` files, checked, and run folders, collected.

The report files are checked as CodeBuild's Test Reports would read them; the run folders
the suite wrote are moved into this project's ``reports/`` so they outlive the workspace.

The check runs on the host, in the build's workspace: a report path that leads out of the
source folder (``..``, an absolute path, a symbolic link the build made) is refused and never
read, since outside the workspace lie the host's files, not the container's.
"""

from __future__ import annotations

import json
import os
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from runner.codebuild.buildspec import Buildspec
from runner.codebuild.buildspec_sections import ReportGroup, leaves_source, source_relative
from runner.run.folder import RUN_ID_PATTERN, RUN_JSON, point_latest


@dataclass
class ReportCheck:
    group: str
    file_format: str
    files: list[str]
    problems: list[str]


def check_reports(spec: Buildspec, workspace: Path) -> list[ReportCheck]:
    """The ``reports:`` files the build left, checked as CodeBuild's Test Reports would read them."""
    return [_check_group(group, workspace) for group in spec.reports.values()]


def report_lines(check: ReportCheck) -> list[str]:
    """CodeBuild-style lines saying what a report group found: its problems, then its files."""
    where = f"[Container] report group {check.group} ({check.file_format}):"
    lines = [f"{where} {problem}" for problem in check.problems]
    if check.files:
        lines.append(f"{where} {', '.join(check.files)}")
    return lines


def _check_group(group: ReportGroup, workspace: Path) -> ReportCheck:
    root = Path(os.path.realpath(workspace))
    base_text = source_relative(group.base_directory)
    found: list[Path] = []
    problems: list[str] = []
    if leaves_source(base_text) or not _inside(workspace / base_text, root):
        problems.append(f"base-directory {group.base_directory!r} points outside the source folder: not read")
    else:
        base = workspace / base_text
        for pattern in group.files:
            if leaves_source(str(PurePosixPath(base_text) / pattern)):
                problems.append(f"files {pattern!r} points outside the source folder: not read")
                continue
            for path in sorted(base.glob(pattern)):
                if not _inside(path, root):
                    problems.append(
                        f"{_shown(path, workspace)}: a symbolic link out of the source folder: not read"
                    )
                elif path.is_file():
                    found.append(path)
        if not found and not problems:
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


def _inside(path: Path, root: Path) -> bool:
    """Whether ``path``, its symbolic links followed, is ``root`` or under it (``root`` resolved)."""
    return Path(os.path.realpath(path)).is_relative_to(root)


def _shown(path: Path, workspace: Path) -> str:
    try:
        return str(path.relative_to(workspace))
    except ValueError:
        return str(path)


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


def collect_run_dirs(src_host: Path, dest: Path | None) -> list[Path]:
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
    # reports/latest follows the build's newest complete run, as after a local run.
    for run_dir in sorted(moved, reverse=True):
        if (run_dir / RUN_JSON).is_file():
            point_latest(run_dir)
            break
    return moved
