"""Run folders for the publishing tests.

``synthetic_run`` writes a small run folder in the exact shape the plugin writes (run.json,
Allure results with a real PNG attachment, evidence, JUnit XML), fast enough for the
error-path and index tests. The end-to-end tests use ``real_run``, which runs pytest with the
project's plugin on a tiny feature against a tiny page in real Chromium.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from runner.run.folder import RUN_ID_PATTERN, create_run_dir, read_run_json
from runner.run.summary import RunSummary, ScenarioResult
from tests.support.paths import DATA


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG (browsers decode it, naturalWidth > 0), without an imaging library."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def tree_digest(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes, by relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def synthetic_run(
    reports_dir: Path,
    *,
    branch: str | None = "main",
    scenarios: list[tuple[str, str]] | None = None,
    started: datetime | None = None,
    build_url: str | None = "https://console.example.test/build/1",
    evidence_prefix: str = "",
) -> Path:
    """A run folder with the given (name, status) scenarios; failed ones get a failure screenshot.
    ``evidence_prefix`` starts each scenario's evidence folder name (shards merged together need
    names of their own)."""
    scenarios = scenarios or [("Log in", "passed"), ("Search finds items", "failed")]
    run_dir = create_run_dir(reports_dir)
    run_id = run_dir.name
    started = started or datetime.now(UTC)
    results = run_dir / "allure-results"
    results_of_run: list[ScenarioResult] = []
    for number, (name, status) in enumerate(scenarios):
        slug = f"{evidence_prefix}scenario-{number}"
        evidence = run_dir / "evidence" / slug
        evidence.mkdir(parents=True)
        final = png(96, 54, (40, 120 + number * 10 % 100, 200))
        (evidence / "final.png").write_bytes(final)
        attachment = f"{uuid.uuid4().hex}-attachment.png"
        (results / attachment).write_bytes(final)
        failed_step = error = screenshot = None
        steps = [{"name": "Given I open the page", "status": "passed", "start": 1, "stop": 2}]
        if status == "failed":
            failed_step = 'Then I see "Welcome"'
            error = "AssertionError: Locator expected to have text 'Welcome'\nActual: 'Hello'"
            shot = png(160, 90, (200, 40, 40))
            (evidence / "failed.png").write_bytes(shot)
            screenshot = f"evidence/{slug}/failed.png"
            failure_attachment = f"{uuid.uuid4().hex}-attachment.png"
            (results / failure_attachment).write_bytes(shot)
            steps.append(
                {
                    "name": failed_step,
                    "status": "failed",
                    "start": 2,
                    "stop": 3,
                    "attachments": [{"name": "failure", "source": failure_attachment, "type": "image/png"}],
                }
            )
        result = {
            "uuid": uuid.uuid4().hex,
            "historyId": uuid.uuid5(uuid.NAMESPACE_URL, name).hex,
            "testCaseId": uuid.uuid5(uuid.NAMESPACE_URL, name).hex,
            "fullName": f"features/demo.feature:{name}",
            "name": name,
            "status": status,
            "statusDetails": {"message": error or "", "trace": ""},
            "start": int(started.timestamp() * 1000),
            "stop": int(started.timestamp() * 1000) + 1500,
            "labels": [{"name": "feature", "value": "Demo"}],
            "steps": steps,
            "attachments": [{"name": "final state", "source": attachment, "type": "image/png"}],
        }
        (results / f"{result['uuid']}-result.json").write_text(json.dumps(result), encoding="utf-8")
        results_of_run.append(
            ScenarioResult(
                id=f"features/demo.feature::{slug}",
                name=name,
                feature="Demo",
                status=status,
                duration_seconds=1.5,
                failed_step=failed_step,
                error=error,
                screenshot=screenshot,
                final_screenshot=f"evidence/{slug}/final.png",
            )
        )
    (run_dir / "junit.xml").write_text('<?xml version="1.0"?><testsuites/>\n', encoding="utf-8")
    RunSummary.build(
        run_id,
        results_of_run,
        started=started,
        finished=started + timedelta(seconds=3),
        exit_code=1 if any(status == "failed" for _, status in scenarios) else 0,
        metadata={
            "branch": branch,
            "commit": "0123456789abcdef0123456789abcdef01234567",
            "build_id": "e2e:1",
            "build_number": "7",
            "build_url": build_url,
            "initiator": "tester",
            "source": "local",
        },
    ).write(run_dir)
    return run_dir


_FEATURE = """\
Feature: Publishing demo
  Scenario: The greeting is shown
    Given the page shows "Hello"
    Then I see the greeting "Hello"

  Scenario: {failing_name}
    Given the page shows "Hello"
    Then I see the greeting "Welcome"
"""


def real_run(
    project: Path,
    *,
    branch: str,
    failing_name: str = "The greeting is wrong",
    env: dict[str, str] | None = None,
) -> Path:
    """Run pytest with the project's plugin on a two-scenario feature (one fails) and return
    the run folder it made."""
    (project / "features").mkdir(parents=True, exist_ok=True)
    (project / "features" / "publish.feature").write_text(
        _FEATURE.format(failing_name=failing_name), encoding="utf-8"
    )
    (project / "steps").mkdir(exist_ok=True)
    shutil.copyfile(DATA / "publish_steps.py", project / "steps" / "publish_steps.py")
    if not (project / "pyproject.toml").exists():
        (project / "pyproject.toml").write_text(
            '[tool.pytest.ini_options]\nbdd_features_base_dir = "features"\n\n[tool.e2e]\nbase_url = "demo"\n',
            encoding="utf-8",
        )
    reports = project / "reports"
    before = set(reports.iterdir()) if reports.is_dir() else set()
    run_env = {**os.environ, **(env or {}), "E2E_BRANCH": branch}
    subprocess.run(
        [sys.executable, "-m", "pytest", "features", "-p", "no:cacheprovider", "-q"],
        cwd=project,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # Run folders only: not the ``latest`` link beside them.
    made = (
        sorted(p for p in set(reports.iterdir()) - before if RUN_ID_PATTERN.match(p.name))
        if reports.is_dir()
        else []
    )
    if not made:
        raise RuntimeError("pytest made no run folder")
    read_run_json(made[-1])
    return made[-1]
