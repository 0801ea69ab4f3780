"""Shared fixtures: a throwaway project that runs real pytest + the e2e plugin + real Chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require(condition: bool, reason: str) -> None:
    """Skip locally, but FAIL in CI: a missing part there (Docker, an S3 server) is a broken setup."""
    if condition:
        return
    if in_ci():
        pytest.fail(f"{reason} (CI=true: required)", pytrace=False)
    pytest.skip(reason)


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
    """A project folder like a user's: pyproject.toml, features/, steps/ (the repo's library)."""

    def __init__(self, root: Path):
        self.root = root
        (root / "features").mkdir(parents=True, exist_ok=True)
        (root / "pyproject.toml").write_text(
            '[project]\nname = "sample"\nversion = "0"\n\n[tool.e2e]\nbase_url = "demo"\n'
        )
        shutil.copytree(REPO / "steps", root / "steps", ignore=shutil.ignore_patterns("__pycache__"))

    def add_feature(self, name: str, text: str | None = None) -> Path:
        path = self.root / "features" / name
        path.write_text(
            text if text is not None else (DATA / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
        return path

    def add_steps(self, name: str, text: str) -> Path:
        path = self.root / "steps" / name
        path.write_text(text, encoding="utf-8")
        return path

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("E2E_", "PYTEST_", "CODEBUILD_"))}
        env["E2E_STATE_DIR"] = str(self.root / ".e2e-state")  # a browser server of this test's own
        env.update(extra)
        return env

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
        return self._run([str(Path(sys.executable).parent / "e2e"), *args], timeout, env)


@pytest.fixture
def e2e_project(tmp_path: Path) -> E2EProject:
    return E2EProject(tmp_path / "project")
