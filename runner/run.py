"""The run folder: one directory per run under ``reports/``, never reused.

Layout (the contract every later step reads)::

    reports/<run-id>/
        run.json            metadata + summary (written at session end)
        allure-results/     Allure results, written by allure-pytest-bdd and the evidence hooks
        evidence/<test>/    screenshots, traces and videos, by scenario
        junit.xml           pytest's JUnit XML
        cucumber.json       Cucumber JSON (complete under xdist, integer durations)
        report/index.html   the Allure HTML report (made by ``e2e run`` / ``runner.report.allure``)

    added by publishing (``runner.publish.publisher``):
        history.jsonl       Allure history carried from the previous run of the branch
        report-single-file/ the one-file report for presigned URLs and local sites

A run id is ``YYYYMMDD-HHMMSS-xxxxxx`` (UTC time, then random hex), so ids sort by time
and two runs started in the same second never share a folder.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RUN_ID_PATTERN = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")
RUN_JSON = "run.json"
ALLURE_RESULTS = "allure-results"
EVIDENCE = "evidence"
JUNIT_XML = "junit.xml"
CUCUMBER_JSON = "cucumber.json"
REPORT_DIR = "report"


class NotARunFolder(Exception):
    """The given folder is not a run folder; the message says why and what to pass."""


def new_run_id(now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def create_run_dir(reports_dir: Path) -> Path:
    """Make a fresh run folder; never returns an existing one."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    while True:
        run_dir = reports_dir / new_run_id()
        try:
            run_dir.mkdir()
        except FileExistsError:
            continue
        (run_dir / ALLURE_RESULTS).mkdir()
        (run_dir / EVIDENCE).mkdir()
        return run_dir


def read_run_json(run_dir: Path) -> dict[str, Any]:
    """The run's metadata; raises NotARunFolder with a reason when the folder is not a run."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise NotARunFolder(f"{run_dir}: no such folder. Pass a folder under reports/ made by `e2e run`.")
    meta_path = run_dir / RUN_JSON
    if not meta_path.is_file():
        raise NotARunFolder(
            f"{run_dir}: not a run folder (no {RUN_JSON}). Pass a folder under reports/ made by `e2e run` "
            "or `pytest features/`."
        )
    try:
        data = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise NotARunFolder(f"{meta_path}: unreadable ({exc}).") from exc
    if not isinstance(data, dict) or not RUN_ID_PATTERN.match(str(data.get("run_id", ""))):
        raise NotARunFolder(f"{meta_path}: has no valid run_id; it was not written by this tool.")
    return data


def write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def latest_run_dir(reports_dir: Path) -> Path | None:
    runs = sorted(p for p in reports_dir.glob("*") if p.is_dir() and RUN_ID_PATTERN.match(p.name))
    return runs[-1] if runs else None


def point_latest(run_dir: Path) -> None:
    """``<reports>/latest`` -> ``run_dir``, replaced atomically (tools that want a fixed path read it)."""
    link = run_dir.parent / "latest"
    tmp = run_dir.parent / f".latest.{os.getpid()}"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(run_dir.name, target_is_directory=True)
    os.replace(tmp, link)
