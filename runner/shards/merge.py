"""Merging shards: several run folders become one run folder with one report.

A batch build splits the suite over several builds (``--shard``); each shard leaves a
complete run folder, stashed where the merge build finds it (``runner.shards.stash``), and
``e2e merge`` makes a new run folder from several shards:

- ``allure-results/`` and ``evidence/``: the shards' files side by side (their names are
  unique per test, so nothing is overwritten);
- ``junit.xml``: one ``<testsuites>`` holding every shard's suites, totals recomputed;
- ``cucumber.json``: the features of all shards, in path order;
- ``run.json``: the earliest start, the latest end, counts and scenarios of all shards,
  the shards it came from; failed if any shard failed;

then the Allure report of the whole. The merge is what a person looks at, so it fails
loudly: a missing shard or a scenario that ran in two shards is an error.
"""

from __future__ import annotations

import json
import os
import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from runner.a11y.scans import run_summary as a11y_summary
from runner.report.allure import make_run_report
from runner.run.folder import (
    ALLURE_RESULTS,
    CUCUMBER_JSON,
    EVIDENCE,
    JUNIT_XML,
    NotARunFolder,
    RunFolder,
    RunFolderError,
    make_run_folder,
    write_json_atomic,
)
from runner.run.summary import RunSummary
from runner.settings import Settings
from runner.shards.errors import MergeError

# Allure's per-run files, identical in every shard: the first one is kept.
_ALLURE_SHARED = {"environment.properties", "categories.json", "executor.json"}


# --------------------------------------------------------------------------- merging


def merge_junit(paths: list[Path]) -> ET.ElementTree:
    root = ET.Element("testsuites", {"name": "e2e (merged)"})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    elapsed = 0.0
    for path in paths:
        tree = ET.parse(path)
        top = tree.getroot()
        suites = [top] if top.tag == "testsuite" else list(top.iter("testsuite"))
        for suite in suites:
            root.append(suite)
            for key in totals:
                totals[key] += int(float(suite.get(key, "0") or 0))
            elapsed += float(suite.get("time", "0") or 0)
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{elapsed:.3f}")
    return ET.ElementTree(root)


def merge_cucumber(paths: list[Path]) -> list[dict[str, Any]]:
    features: dict[str, dict[str, Any]] = {}
    for path in paths:
        for feature in json.loads(path.read_text(encoding="utf-8")):
            key = feature.get("uri") or feature.get("id") or json.dumps(feature.get("name"))
            if key in features:
                features[key]["elements"].extend(feature.get("elements", []))
            else:
                features[key] = {**feature, "elements": list(feature.get("elements", []))}
    return [features[k] for k in sorted(features)]


def merge_summaries(
    runs: list[RunSummary], run_id: str, shard_names: list[str], environ: Mapping[str, str] | None = None
) -> RunSummary:
    """One summary of all shards: every scenario once, the earliest start and latest end,
    status rolled up from the scenarios and the shards' own statuses."""
    scenarios = [scenario for run in runs for scenario in run.scenarios]
    seen = Counter(scenario.id for scenario in scenarios)
    twice = sorted(s for s, n in seen.items() if n > 1)
    if twice:
        raise MergeError(f"scenario(s) ran in more than one shard: {', '.join(twice[:5])}")
    env = os.environ if environ is None else environ
    metadata = dict(runs[0].metadata)
    metadata["batch_shard"] = None
    metadata.pop("shard", None)  # the merged run is the whole suite
    metadata["shards"] = [
        {
            "identifier": name,
            "run_id": run.run_id,
            "status": run.status,
            "build_id": run.metadata.get("build_id"),
            "batch_shard": run.metadata.get("batch_shard"),
        }
        for name, run in zip(shard_names, runs, strict=True)
    ]
    # The merge build's own identity, when it runs in CodeBuild: that is where the report is made.
    for key, env_name in (("build_id", "CODEBUILD_BUILD_ID"), ("build_number", "CODEBUILD_BUILD_NUMBER")):
        if env.get(env_name):
            metadata[key] = env[env_name]
    errors = [f"{name}: {run.error}" for name, run in zip(shard_names, runs, strict=True) if run.error]
    starts = [r.started_at for r in runs if r.started_at]
    ends = [r.finished_at for r in runs if r.finished_at]
    statuses = tuple(run.status for run in runs)
    summary = RunSummary.build(
        run_id,
        scenarios,
        started=min(starts) if starts else None,
        finished=max(ends) if ends else None,
        exit_code=0,
        metadata=metadata,
        part_statuses=statuses,
        merged_from=[run.run_id for run in runs],
    )
    summary.error = "; ".join(errors) or None
    summary.exit_code = 0 if summary.passed else 1
    return summary


def _files(root: Path) -> Iterable[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


def _copy_tree(src: Path, dest: Path, shared: set[str] = frozenset()) -> None:
    if not src.is_dir():
        return
    for path in _files(src):
        rel = path.relative_to(src)
        out = dest / rel
        if out.exists():
            if rel.name in shared:
                continue
            raise MergeError(f"{path}: a file of that name already came from another shard")
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, out)


def merge_runs(
    shard_dirs: list[Path],
    settings: Settings,
    *,
    names: list[str] | None = None,
    report: bool = True,
) -> tuple[RunFolder, RunSummary]:
    """Merge shard run folders into a new run folder under the reports folder; returns it
    (finished by the caller, ``runner.run.finish``) and its summary. With ``report`` the merged run's own report is made (once)."""
    if not shard_dirs:
        raise MergeError("nothing to merge: give run folders or --shards")
    names = names or [d.name for d in shard_dirs]
    try:
        runs = [RunSummary.read(shard) for shard in shard_dirs]
    except NotARunFolder as exc:
        raise MergeError(str(exc)) from None
    try:
        folder = make_run_folder(settings.reports_dir, source=settings.source_of("reports_dir"))
    except RunFolderError as exc:
        raise MergeError(str(exc)) from None
    run_dir = folder.path
    try:
        for shard in shard_dirs:
            _copy_tree(shard / ALLURE_RESULTS, run_dir / ALLURE_RESULTS, _ALLURE_SHARED)
            _copy_tree(shard / EVIDENCE, run_dir / EVIDENCE)
        junits = [d / JUNIT_XML for d in shard_dirs if (d / JUNIT_XML).is_file()]
        if junits:
            merge_junit(junits).write(run_dir / JUNIT_XML, encoding="utf-8", xml_declaration=True)
        cucumbers = [d / CUCUMBER_JSON for d in shard_dirs if (d / CUCUMBER_JSON).is_file()]
        if cucumbers:
            write_json_atomic(run_dir / CUCUMBER_JSON, merge_cucumber(cucumbers))
        merged = merge_summaries(runs, run_dir.name, names)
        # The shards' accessibility scans are in the merged evidence/: summed once, as one run's.
        merged.accessibility = a11y_summary(run_dir)
        if merged.accessibility and merged.accessibility.get("axe_core"):
            merged.metadata["axe_core"] = merged.accessibility["axe_core"]
        merged.write(run_dir)
    except Exception:
        shutil.rmtree(run_dir, ignore_errors=True)
        raise
    if report:
        make_run_report(run_dir, settings, report_name=f"e2e (merged: {', '.join(names)})")
        merged = RunSummary.read(run_dir)
    return folder, merged
