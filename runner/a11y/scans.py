"""Each scan's record in the run folder, the run's summary of them, and ``accept``.

A scan writes ``evidence/<scenario>/a11y-NN.json`` (files cross xdist's process boundary
as they are); at the end of the run the controller sums them into run.json's
``accessibility`` field, and ``e2e a11y accept RUN_DIR`` turns them into the repository's
known-issues file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner.a11y.findings import IMPACTS, Issue, Violation, impact_rank
from runner.a11y.known import read_known, write_known
from runner.run.folder import EVIDENCE, write_json_atomic

SCAN_GLOB = "a11y-*.json"
SCAN_KIND = "e2e-a11y-scan"


def next_scan_path(folder: Path) -> Path:
    taken = {p.name for p in folder.glob(SCAN_GLOB)}
    number = 1
    while f"a11y-{number:02d}.json" in taken:
        number += 1
    return folder / f"a11y-{number:02d}.json"


def write_scan(path: Path, record: dict[str, Any]) -> None:
    write_json_atomic(path, {"kind": SCAN_KIND, **record})


def read_scans(run_dir: Path) -> Iterator[dict[str, Any]]:
    """Every scan record of a run, in a stable order (unreadable files are skipped)."""
    for path in sorted((Path(run_dir) / EVIDENCE).glob(f"*/{SCAN_GLOB}")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("kind") == SCAN_KIND:
            yield data


@dataclass
class RunFindings:
    """What every scan of a run found, element by element, page by page."""

    scans: int
    version: str | None
    found: dict[str, dict[Issue, str]]  # page -> issue -> impact
    known: set[tuple[str, Issue]]
    gone: set[tuple[str, Issue]]
    new: set[tuple[str, Issue]]


def collect(run_dir: Path) -> RunFindings:
    found: dict[str, dict[Issue, str]] = {}
    known: set[tuple[str, Issue]] = set()
    gone: set[tuple[str, Issue]] = set()
    new: set[tuple[str, Issue]] = set()
    scans, version = 0, None
    for record in read_scans(run_dir):
        scans += 1
        version = record.get("axe_core") or version
        page = str(record.get("page") or "/")
        issues = found.setdefault(page, {})
        for violation in (Violation.from_dict(v) for v in record.get("violations") or []):
            for element in violation.elements:
                issue = Issue(violation.rule, element.target)
                if impact_rank(element.impact) >= impact_rank(issues.get(issue)):
                    issues[issue] = element.impact
        known.update((page, Issue(**i)) for i in record.get("known") or [])
        new.update((page, Issue(**i)) for i in record.get("new") or [])
        gone.update((page, Issue(**i)) for i in record.get("gone") or [])
    # Gone only if no scan of the page found it (a part-of-page scan may have).
    gone = {(page, issue) for page, issue in gone if issue not in found.get(page, {})}
    return RunFindings(scans, version, found, known, gone, new)


def run_summary(run_dir: Path) -> dict[str, Any] | None:
    """run.json's ``accessibility``: elements by impact (each page's element once), how many
    were new or known, and the known ones gone; None when the run scanned nothing."""
    findings = collect(run_dir)
    if not findings.scans:
        return None
    by_impact = dict.fromkeys(reversed(IMPACTS), 0)
    for issues in findings.found.values():
        for impact in issues.values():
            by_impact[impact if impact in by_impact else "minor"] += 1
    return {
        "axe_core": findings.version,
        "scans": findings.scans,
        "violations": by_impact,
        "new": len(findings.new),
        "known": len(findings.known),
        "gone": [{"page": page, **issue.as_dict()} for page, issue in sorted(findings.gone)],
    }


@dataclass
class Accepted:
    added: int
    removed: int
    kept: int
    pages: int


def accept(run_dir: Path, known_file: Path) -> Accepted:
    """The known-issues file rewritten from a run: every element its scans found is listed,
    the gone ones leave, and entries of pages (or rules) the run did not look at stay."""
    findings = collect(run_dir)
    if not findings.scans:
        raise ValueError(f"{run_dir}: this run has no accessibility scans to accept.")
    pages = read_known(known_file)
    gone = findings.gone
    added = removed = kept = 0
    for page in sorted(set(pages) | set(findings.found)):
        entries = pages.get(page, [])
        listed = {Issue(e["rule"], e["target"]) for e in entries}
        stay = [e for e in entries if (page, Issue(e["rule"], e["target"])) not in gone]
        removed += len(entries) - len(stay)
        kept += len(stay)
        for issue in sorted(findings.found.get(page, {})):
            if issue not in listed:
                stay.append(issue.as_dict())
                added += 1
        pages[page] = stay
    write_known(known_file, pages)
    return Accepted(added=added, removed=removed, kept=kept, pages=sum(1 for e in pages.values() if e))


def record_engine(allure_dir: Path, version: str) -> None:
    """axe-core's version in the report's environment (``environment.properties``), once."""
    path = Path(allure_dir) / "environment.properties"
    if not Path(allure_dir).is_dir():
        return
    try:
        lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
        lines = [line for line in lines if not line.startswith("axe-core")]
        path.write_text("\n".join([*lines, f"axe-core = {version}"]) + "\n", encoding="utf-8")
    except OSError:
        pass  # the report only misses the line; run.json still has it
