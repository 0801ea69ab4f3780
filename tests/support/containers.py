"""Helpers for the Docker tests: run containers, read run folders, make throwaway projects.

Plain functions (no fixtures); the session fixtures that use them are in docker_fixtures.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.support.paths import REPO

BASE_IMAGE = "public.ecr.aws/docker/library/debian:bookworm-slim"
TEST_IMAGE = os.environ.get("E2E_TEST_IMAGE", "e2e-runner:test")
# Where Debian keeps locally added CA certificates (a TLS-inspecting proxy's, for example);
# they are handed to the image build, which needs them for pip and npm over HTTPS.
LOCAL_CA_DIR = Path("/usr/local/share/ca-certificates")


def tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


def docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def extra_ca_certs() -> str:
    """PEM text of the extra CAs the build should trust: E2E_EXTRA_CA_FILE, else the local ones."""
    configured = os.environ.get("E2E_EXTRA_CA_FILE")
    if configured:
        return Path(configured).read_text()
    if not LOCAL_CA_DIR.is_dir():
        return ""
    pems = [p.read_text().strip() for p in sorted(LOCAL_CA_DIR.rglob("*.crt")) if p.is_file()]
    return "\n".join(pem for pem in pems if pem)


def docker_run(
    image: str,
    *args: str,
    entrypoint: str | None = None,
    env: dict[str, str] | None = None,
    volumes: dict[str, str] | None = None,
    timeout: float = 900,
    workdir: str | None = None,
) -> subprocess.CompletedProcess:
    """``docker run --rm --network host`` (the engine has no bridge network)."""
    cmd = ["docker", "run", "--rm", "--network", "host"]
    if entrypoint is not None:
        cmd += ["--entrypoint", entrypoint]
    for name, value in (env or {}).items():
        cmd += ["-e", f"{name}={value}"]
    for host, container in (volumes or {}).items():
        cmd += ["-v", f"{host}:{container}"]
    if workdir:
        cmd += ["-w", workdir]
    cmd += [image, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def run_folders(reports: Path) -> list[Path]:
    """Run folders (those with a run.json) directly under ``reports``, oldest first."""
    return sorted(
        p for p in reports.iterdir() if p.is_dir() and not p.is_symlink() and (p / "run.json").is_file()
    )


def read_run(run_dir: Path) -> dict:
    from runner.run.folder import read_run_json

    return read_run_json(run_dir)


def scenario_names(run: dict) -> list[str]:
    return sorted(str(s.get("id")) for s in run.get("scenarios") or [])


def make_project(
    dest: Path, *, features: list[str] | None = None, extra_files: dict[str, str] | None = None
) -> Path:
    """A throwaway git checkout of this project (tracked and untracked, non-ignored files).

    ``features`` keeps only those feature files; ``extra_files`` adds or replaces files.
    Committed, so CodeBuild's commit and branch variables have real values.
    """
    from runner.codebuild.environment import copy_source

    copy_source(REPO, dest)
    if features is not None:
        for path in (dest / "features").glob("*.feature"):
            if path.name not in features:
                path.unlink()
    for name, text in (extra_files or {}).items():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@localhost", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q", str(dest)], check=True)
    subprocess.run([*git, "-C", str(dest), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(dest), "commit", "-q", "-m", "test project"], check=True)
    return dest
