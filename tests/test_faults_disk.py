"""A disk that fills up under a run: a clear message naming the folder, nothing written lost,
``reports/latest`` never on a run without ``run.json``, no browser left running.

The small disk is a tmpfs mounted for the test (as root, like CI; in CI a machine that
cannot mount one fails the test instead of skipping it).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import E2EProject, processes, require

pytestmark = pytest.mark.slow


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[callable]:
    mounted: list[Path] = []

    def make(size: str) -> Path:
        where = tmp_path / f"disk-{size}"
        where.mkdir()
        proc = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True
        )
        require(proc.returncode == 0, f"cannot mount a small tmpfs here: {proc.stderr.decode().strip()}")
        mounted.append(where)
        return where

    yield make
    for where in mounted:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def _browsers_of(project: E2EProject) -> list[str]:
    states = project.root / ".e2e-state"
    alive = []
    for state in states.glob("browser-*.json"):
        pid = json.loads(state.read_text())["pid"]
        if processes.running(pid):
            alive.append(str(pid))
    return alive


def test_a_disk_full_from_the_start_is_said_plainly_and_latest_stays(
    e2e_project: E2EProject, small_disk
) -> None:
    disk = small_disk("96k")
    e2e_project.add_feature("two_scenarios.feature")
    reports = disk / "reports"
    run = e2e_project.pytest(E2E_REPORTS_DIR=str(reports), E2E_MIN_FREE_MB="0")
    assert run.returncode != 0, run.output
    assert "No space left on device" in run.output
    assert f"cannot be written into {reports}" in run.output or f"into {reports}" in run.output
    assert not (reports / "latest").exists(), "latest must not point at a run without run.json"
    assert _browsers_of(e2e_project) == []


def test_a_filling_disk_stops_the_run_while_it_can_still_be_written_up(
    e2e_project: E2EProject, small_disk
) -> None:
    disk = small_disk("40m")
    e2e_project.add_feature("two_scenarios.feature")
    reports = disk / "reports"
    ballast = disk / "ballast"
    ballast.write_bytes(b"\0" * (38 * 1024 * 1024))  # about 2 MB stay free
    run = e2e_project.pytest(E2E_REPORTS_DIR=str(reports), E2E_MIN_FREE_MB="3")
    assert run.returncode == 2, run.output
    assert "MB left on the disk of" in run.output and "min_free_mb" in run.output
    (run_dir,) = [p for p in reports.iterdir() if p.is_dir() and not p.is_symlink()]
    summary = json.loads((run_dir / "run.json").read_text())
    assert summary["status"] == "interrupted"
    assert (reports / "latest").resolve() == run_dir.resolve()
    assert _browsers_of(e2e_project) == []
