"""Merging shards: several run folders become one run folder with one report.

A batch build splits the suite over several builds (``--shard``); each shard leaves a
complete run folder. ``e2e shard-stash`` copies a shard's run folder to a place every build
of the batch can reach (``E2E_SHARDS_URL``: a folder, or ``s3://bucket/prefix``), and
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
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from runner.run import (
    ALLURE_RESULTS,
    CUCUMBER_JSON,
    EVIDENCE,
    JUNIT_XML,
    REPORT_DIR,
    RUN_JSON,
    NotARunFolder,
    create_run_dir,
    point_latest,
    read_run_json,
    write_json_atomic,
)

STASH_META = "shard.json"
# Allure's per-run files, identical in every shard: the first one is kept.
_ALLURE_SHARED = {"environment.properties", "categories.json", "executor.json"}


class MergeError(Exception):
    """Shards cannot be merged; the message names the shard and what is wrong."""


# --------------------------------------------------------------------------- locations


def shards_url(environ: Mapping[str, str] | None = None) -> str:
    """Where the shards of this batch meet: ``E2E_SHARDS_URL``, else under the report bucket.

    The batch is keyed by ``E2E_BATCH_KEY``, else by the commit: every build of one batch
    builds the same commit, and CodeBuild gives no other value they share.
    """
    env = os.environ if environ is None else environ
    if env.get("E2E_SHARDS_URL"):
        return env["E2E_SHARDS_URL"].rstrip("/")
    key = env.get("E2E_BATCH_KEY") or env.get("CODEBUILD_RESOLVED_SOURCE_VERSION") or "local"
    bucket = env.get("E2E_REPORT_BUCKET")
    if bucket:
        prefix = (env.get("E2E_REPORT_PREFIX") or "e2e").strip("/")
        return f"s3://{bucket}/{prefix}/_shards/{key}"
    reports = env.get("E2E_REPORTS_DIR") or "reports"
    return str(Path(reports) / "_shards" / key)


def _split_s3(url: str) -> tuple[str, str]:
    rest = url[len("s3://") :]
    bucket, _, prefix = rest.partition("/")
    return bucket, prefix.strip("/")


def _s3():
    import boto3

    return boto3.client("s3")


def _files(root: Path) -> Iterable[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


def stash(run_dir: Path, location: str, identifier: str) -> str:
    """Copy a shard's run folder (without its HTML report) to ``location/identifier``."""
    run = read_run_json(run_dir)
    meta = {
        "identifier": identifier,
        "run_id": run["run_id"],
        "status": run.get("status"),
        "build_id": os.environ.get("CODEBUILD_BUILD_ID"),
        "commit": os.environ.get("CODEBUILD_RESOLVED_SOURCE_VERSION"),
        "stashed_at": datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    files = [p for p in _files(run_dir) if p.relative_to(run_dir).parts[0] != REPORT_DIR]
    target = f"{location.rstrip('/')}/{identifier}"
    if location.startswith("s3://"):
        bucket, prefix = _split_s3(target)
        client = _s3()
        for path in files:
            client.upload_file(str(path), bucket, f"{prefix}/{path.relative_to(run_dir).as_posix()}")
        client.put_object(Bucket=bucket, Key=f"{prefix}/{STASH_META}", Body=json.dumps(meta).encode())
        return target
    dest = Path(target)
    # A re-run of the same shard replaces its earlier stash: only the latest counts.
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    for path in files:
        out = tmp / path.relative_to(run_dir)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, out)
    (tmp / STASH_META).write_text(json.dumps(meta, indent=2))
    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, dest)
    return str(dest)


def fetch(location: str, identifier: str, into: Path) -> Path:
    """Bring the stashed shard ``identifier`` into a local folder; returns its run folder."""
    source = f"{location.rstrip('/')}/{identifier}"
    dest = into / identifier
    if source.startswith("s3://"):
        bucket, prefix = _split_s3(source)
        client = _s3()
        found = 0
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + "/"):
            for obj in page.get("Contents", []):
                rel = obj["Key"][len(prefix) + 1 :]
                if not rel or rel.endswith("/"):
                    continue
                out = dest / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                client.download_file(bucket, obj["Key"], str(out))
                found += 1
        if not found:
            raise MergeError(f"shard {identifier!r}: nothing at {source}/ (did its build reach post_build?)")
        return dest
    if not Path(source).is_dir():
        raise MergeError(f"shard {identifier!r}: no folder {source} (did its build reach post_build?)")
    return Path(source)


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


def merge_run_json(runs: list[dict[str, Any]], run_id: str, shard_names: list[str]) -> dict[str, Any]:
    scenarios: list[dict[str, Any]] = []
    for run in runs:
        scenarios.extend(run.get("scenarios") or [])
    seen = Counter(str(scenario.get("id")) for scenario in scenarios)
    twice = sorted(s for s, n in seen.items() if n > 1)
    if twice:
        raise MergeError(f"scenario(s) ran in more than one shard: {', '.join(twice[:5])}")
    scenarios.sort(key=lambda s: str(s.get("id")))
    counts = {"total": 0, "passed": 0, "failed": 0, "broken": 0, "skipped": 0, "flaky": 0}
    for run in runs:
        for key, value in (run.get("counts") or {}).items():
            counts[key] = counts.get(key, 0) + int(value or 0)
    statuses = [run.get("status") for run in runs]
    if "error" in statuses:
        status = "error"
    elif "failed" in statuses or counts["failed"] or counts["broken"]:
        status = "failed"
    elif counts["total"] == 0:
        status = "no-tests"
    else:
        status = "passed"
    starts = [r["started_at"] for r in runs if r.get("started_at")]
    ends = [r["finished_at"] for r in runs if r.get("finished_at")]
    started, finished = (min(starts) if starts else None), (max(ends) if ends else None)
    duration = None
    if started and finished:
        duration = round(
            (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds(), 3
        )
    metadata = dict(runs[0].get("metadata") or {})
    metadata["batch_shard"] = None
    metadata["shards"] = [
        {"identifier": name, "run_id": run.get("run_id"), "status": run.get("status"), **_shard_build(run)}
        for name, run in zip(shard_names, runs, strict=True)
    ]
    # The merge build's own identity, when it runs in CodeBuild: that is where the report is made.
    for key, env_name in (("build_id", "CODEBUILD_BUILD_ID"), ("build_number", "CODEBUILD_BUILD_NUMBER")):
        if os.environ.get(env_name):
            metadata[key] = os.environ[env_name]
    errors = [
        f"{name}: {run['error']}" for name, run in zip(shard_names, runs, strict=True) if run.get("error")
    ]
    return {
        "run_id": run_id,
        "started_at": started,
        "finished_at": finished,
        "duration_seconds": duration,
        "exit_code": 0 if status in ("passed", "no-tests") else 1,
        "status": status,
        "error": "; ".join(errors) or None,
        "counts": counts,
        "metadata": metadata,
        "scenarios": scenarios,
        "merged_from": [run.get("run_id") for run in runs],
        "report": None,
    }


def _shard_build(run: dict[str, Any]) -> dict[str, Any]:
    meta = run.get("metadata") or {}
    return {"build_id": meta.get("build_id"), "batch_shard": meta.get("batch_shard")}


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
    reports_dir: Path,
    *,
    names: list[str] | None = None,
    report: bool = True,
) -> tuple[Path, dict[str, Any]]:
    """Merge shard run folders into a new run folder under ``reports_dir``; returns it and its run.json."""
    if not shard_dirs:
        raise MergeError("nothing to merge: give run folders or --shards")
    names = names or [d.name for d in shard_dirs]
    runs = []
    for shard in shard_dirs:
        try:
            runs.append(read_run_json(shard))
        except NotARunFolder as exc:
            raise MergeError(str(exc)) from None
    run_dir = create_run_dir(reports_dir)
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
        merged = merge_run_json(runs, run_dir.name, names)
        write_json_atomic(run_dir / RUN_JSON, merged)
    except Exception:
        shutil.rmtree(run_dir, ignore_errors=True)
        raise
    if report:
        from runner.report.allure import generate_report

        generate_report(run_dir, single_file=True, report_name=f"e2e (merged: {', '.join(names)})")
        merged = read_run_json(run_dir)
    return run_dir, merged


# --------------------------------------------------------------------------- CLI


def _reports_dir() -> Path:
    from runner.settings import SettingsError, resolve

    try:
        return resolve().reports_dir
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("merge")
@click.argument("run_dirs", nargs=-1, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--shards",
    "shard_ids",
    default=None,
    metavar="'ID ID...'",
    help="Merge the stashed shards with these identifiers (space or comma separated) from --shards-url.",
)
@click.option(
    "--shards-url",
    "shards_location",
    default=None,
    help="Where shards are stashed: a folder or s3://bucket/prefix "
    "(env E2E_SHARDS_URL; default: under the report bucket, keyed by commit).",
)
@click.option(
    "--report/--no-report", default=True, show_default=True, help="Generate the merged HTML report."
)
def merge_command(
    run_dirs: tuple[Path, ...], shard_ids: str | None, shards_location: str | None, report: bool
) -> None:
    """Merge shard run folders (RUN_DIRS, or --shards) into one new run folder and report.

    Exits 1 when any merged scenario failed (the batch's status), 0 when all passed.
    """
    _merge(run_dirs, shard_ids, shards_location, report)


def _merge(
    run_dirs: tuple[Path, ...], shard_ids: str | None, shards_location: str | None, report: bool
) -> None:
    names = [n for n in (shard_ids or "").replace(",", " ").split() if n]
    if not run_dirs and not names:
        raise click.UsageError("give run folders to merge, or --shards 'ID ID...'")
    reports_dir = _reports_dir()
    try:
        with tempfile.TemporaryDirectory(prefix="e2e-merge-") as tmp:
            dirs = [Path(d) for d in run_dirs]
            labels = [d.name for d in dirs]
            if names:
                location = shards_location or shards_url()
                click.echo(f"e2e merge: shards {', '.join(names)} from {location}", err=True)
                for name in names:
                    dirs.append(fetch(location, name, Path(tmp)))
                    labels.append(name)
            run_dir, merged = merge_runs(dirs, reports_dir, names=labels, report=report)
    except (MergeError, OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:  # report generation and S3 errors: say which step failed
        raise click.ClickException(f"{type(exc).__name__}: {exc}") from None
    point_latest(run_dir)
    counts = merged.get("counts", {})
    click.echo(
        f"e2e merge: {os.path.relpath(run_dir)}: {merged['status']} "
        f"({counts.get('total', 0)} scenarios, {counts.get('failed', 0)} failed, {counts.get('broken', 0)} broken)",
        err=True,
    )
    if report:
        click.echo(f"e2e merge: report {os.path.relpath(run_dir / REPORT_DIR / 'index.html')}", err=True)
    sys.exit(0 if merged["status"] in ("passed", "no-tests") else 1)


@click.command("shard-stash")
@click.argument("run_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "--as",
    "identifier",
    default=None,
    help="The shard's name (default: CODEBUILD_BATCH_BUILD_IDENTIFIER, else 'shard' + the index of E2E_SHARD).",
)
@click.option(
    "--shards-url",
    "shards_location",
    default=None,
    help="Where to stash (env E2E_SHARDS_URL; default as for `e2e merge`).",
)
def shard_stash_command(run_dir: Path, identifier: str | None, shards_location: str | None) -> None:
    """Copy a shard's run folder where the batch's merge build will find it."""
    name = identifier or os.environ.get("CODEBUILD_BATCH_BUILD_IDENTIFIER")
    if not name and os.environ.get("E2E_SHARD"):
        name = "shard" + os.environ["E2E_SHARD"].split("/", 1)[0].strip()
    if not name:
        raise click.UsageError("no shard name: pass --as NAME (CODEBUILD_BATCH_BUILD_IDENTIFIER is not set)")
    location = shards_location or shards_url()
    try:
        target = stash(run_dir.resolve(), location, name)
    except (NotARunFolder, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:  # S3 errors: name the step
        raise click.ClickException(
            f"stashing {run_dir} to {location} failed: {type(exc).__name__}: {exc}"
        ) from None
    click.echo(f"e2e shard-stash: {run_dir} -> {target}", err=True)
