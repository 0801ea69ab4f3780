"""The team project factory: a throwaway folder like a user's checkout, run with real pytest or ``e2e``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.support.paths import DATA, E2E, REPO

# Variables of the caller that would change a run of the project (its own settings come from the project).
_CALLER_PREFIXES = ("E2E_", "PYTEST_", "CODEBUILD_")

# The options of every pytest a test starts (a project's runs, the one under `e2e run`): without
# hypothesis's plugin, which this checkout's dev extras install and which imports all of
# hypothesis at the end of every run (about 1 s of a one-scenario run's 4-5 s here). No project
# a test makes has a hypothesis test. ``tests/conftest.py`` gives it to every child process.
# (The benchmarks turn the same plugin off: ``benchmarks.bench_project.DEV_PLUGINS_OFF``.)
INNER_PYTEST_ADDOPTS = "-p no:hypothesispytest"


def inner_env(drop: tuple[str, ...] = _CALLER_PREFIXES) -> dict[str, str]:
    """The caller's environment without the variables whose names start with ``drop``; a pytest
    started with it gets ``INNER_PYTEST_ADDOPTS`` (whatever the caller's were)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env["PYTEST_ADDOPTS"] = INNER_PYTEST_ADDOPTS
    return env


def clean_env(state_dir: Path, **extra: str) -> dict[str, str]:
    """The caller's environment without its ``E2E_*``/``PYTEST_*``/``CODEBUILD_*`` variables, with a
    state folder of its own (so a run's shared browser is never one left by someone else)."""
    env = inner_env()
    env["E2E_STATE_DIR"] = str(state_dir)
    env.update(extra)
    return env


@dataclass
class ProjectRun:
    returncode: int
    output: str
    run_dir: Path | None
    stderr: str = ""

    def run_json(self) -> dict:
        assert self.run_dir is not None, self.output
        return json.loads((self.run_dir / "run.json").read_text())

    def allure_results(self) -> list[dict]:
        assert self.run_dir is not None
        return [
            json.loads(p.read_text()) for p in sorted((self.run_dir / "allure-results").glob("*-result.json"))
        ]


class E2EProject:
    """A project folder like a user's: pyproject.toml, features/, steps/ (the repo's library).

    ``settings`` are extra ``[tool.e2e]`` lines (``{"viewport": "1920x1080"}``), ``name`` the
    project's name in pyproject.toml."""

    def __init__(self, root: Path, name: str = "sample", settings: dict[str, str] | None = None):
        self.root = root
        self.state_dir = root / ".e2e-state"
        (root / "features").mkdir(parents=True, exist_ok=True)
        lines = "".join(f"{key} = {json.dumps(value)}\n" for key, value in (settings or {}).items())
        (root / "pyproject.toml").write_text(
            f'[project]\nname = "{name}"\nversion = "0"\n\n[tool.e2e]\nbase_url = "demo"\n{lines}'
        )
        shutil.copytree(REPO / "steps", root / "steps", ignore=shutil.ignore_patterns("__pycache__"))

    def add_feature(self, name: str, text: str | None = None) -> Path:
        path = self.root / "features" / name
        path.write_text(
            text if text is not None else (DATA / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
        return path

    def add_steps(self, name: str, text: str | None = None) -> Path:
        """A step module in ``steps/``: ``text``, or the data file of that name (``tests/data``)."""
        path = self.root / "steps" / name
        path.write_text(
            text if text is not None else (DATA / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
        return path

    def add_file(self, support_file: str, as_name: str | None = None) -> Path:
        """Copy a data file (``tests/data/<support_file>``) into the project's root."""
        path = self.root / (as_name or support_file)
        shutil.copyfile(DATA / support_file, path)
        return path

    def env(self, **extra: str) -> dict[str, str]:
        return clean_env(self.state_dir, **extra)  # a browser server of this project's own

    def runs(self) -> list[Path]:
        reports = self.root / "reports"
        return (
            sorted(p for p in reports.iterdir() if p.is_dir() and not p.is_symlink())
            if reports.is_dir()
            else []
        )

    def _run(self, cmd: list[str], timeout: float, env: dict[str, str]) -> ProjectRun:
        before = set(self.runs())
        proc = subprocess.run(
            cmd, cwd=self.root, env=self.env(**env), capture_output=True, text=True, timeout=timeout
        )
        new = [p for p in self.runs() if p not in before]
        return ProjectRun(proc.returncode, proc.stdout + proc.stderr, new[-1] if new else None, proc.stderr)

    def pytest(self, *args: str, timeout: float = 600, **env: str) -> ProjectRun:
        return self._run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], timeout, env)

    def e2e(self, *args: str, timeout: float = 600, **env: str) -> ProjectRun:
        return self._run([E2E, *args], timeout, env)
