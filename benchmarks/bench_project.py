"""Shared by the benchmarks: a throwaway e2e project and a pytest run of it, the way a user runs it.

The project is what a user's checkout holds: ``pyproject.toml``, ``features/bench.feature``
(N identical sign-in scenarios against the bundled demo app, written with the generic steps
of ``runner/steps/web.py``) and a copy of this repository's ``steps/``. Runs get an environment
without the caller's ``E2E_*``/``PYTEST_*`` variables and with an ``E2E_STATE_DIR`` of their
own, so the shared browser server of a run is that run's, never one left by someone else.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The demo app's sign-in (runner/demo_app): demo / s3cret leads to "Welcome, Demo User!".
USERNAME, PASSWORD, HEADING = "demo", "s3cret", "Welcome, Demo User!"

SCENARIO = """
  Scenario: Signing in, run {index:03d}
    Given I open "/login"
    When I fill in "Username" with "{username}"
    And I fill in "Password" with "{password}"
    And I click the "Sign in" button
    Then I see the heading "{heading}"
"""


def bench_feature(scenarios: int) -> str:
    body = "".join(
        SCENARIO.format(index=i, username=USERNAME, password=PASSWORD, heading=HEADING)
        for i in range(1, scenarios + 1)
    )
    return f"Feature: Benchmark\n  The same sign-in, {scenarios} times.\n{body}"


class Project:
    """A user-like project folder under ``root``; ``features`` is the bench feature or a copy of the examples."""

    def __init__(self, root: Path, scenarios: int = 20, example_suite: bool = False):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        (root / "pyproject.toml").write_text(
            '[project]\nname = "e2e-benchmark"\nversion = "0"\n\n[tool.e2e]\nviewport = "1920x1080"\n'
        )
        shutil.copytree(ROOT / "steps", root / "steps", ignore=shutil.ignore_patterns("__pycache__"))
        if example_suite:
            shutil.copytree(ROOT / "features", root / "features")
        else:
            (root / "features").mkdir()
            (root / "features" / "bench.feature").write_text(bench_feature(scenarios), encoding="utf-8")
        self.state_dir = root / ".e2e-state"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("E2E_", "PYTEST_", "CODEBUILD_"))}
        env["E2E_STATE_DIR"] = str(self.state_dir)
        env.update(extra)
        return env

    def run_dirs(self) -> set[Path]:
        reports = self.root / "reports"
        if not reports.is_dir():
            return set()
        return {p for p in reports.iterdir() if p.is_dir() and not p.is_symlink()}

    def pytest_command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args, "features"]


@dataclass
class Run:
    wall_seconds: float
    returncode: int
    output: str
    run_dir: Path | None

    def run_json(self) -> dict:
        if self.run_dir is None:
            raise RuntimeError(f"the run made no run folder:\n{self.output[-3000:]}")
        return json.loads((self.run_dir / "run.json").read_text())

    def check(self, what: str) -> None:
        if self.returncode != 0:
            raise SystemExit(f"{what} failed (exit {self.returncode}):\n{self.output[-3000:]}")


def run_pytest(
    project: Project,
    args: Iterable[str] = (),
    env: dict[str, str] | None = None,
    on_start: Callable[[subprocess.Popen], None] | None = None,
    timeout: float = 900,
) -> Run:
    """One ``python -m pytest`` of the project, timed from spawn to exit (what a user waits for)."""
    before = project.run_dirs()
    out_path = project.root / ".pytest-output.txt"
    with open(out_path, "w") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            project.pytest_command(*args),
            cwd=project.root,
            env=project.env(**(env or {})),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        if on_start is not None:
            on_start(proc)
        try:
            returncode = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()  # our own child, by its handle
            proc.wait()
            raise SystemExit(f"pytest did not finish within {timeout:.0f}s; see {out_path}") from None
        wall = time.perf_counter() - started
    new = sorted(project.run_dirs() - before)
    return Run(wall, returncode, out_path.read_text(errors="replace"), new[-1] if new else None)


def median(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join("-" * w for w in widths)

    def fmt(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([fmt(headers), line, *(fmt(r) for r in rows)])


def clean_up(work: Path, keep: bool) -> None:
    """End of a successful benchmark: remove its temporary folder, or say where it was kept."""
    if keep:
        print(f"project and run folders kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
