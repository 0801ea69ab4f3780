"""Docker for the image tests: the engine, the locally made base image, the built test image.

Import the fixtures into a test module (``from docker_fixtures import *``-style, by name).
Everything is session-scoped: the engine is started once, the image built once per test
session, and the layer cache makes a rebuild after a source edit cost seconds.

Locally a test that needs Docker is skipped when the engine cannot start; in CI
(``CI=true``) it FAILS instead: there a missing engine is a broken setup, not a choice.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BASE_IMAGE = "public.ecr.aws/docker/library/debian:bookworm-slim"
TEST_IMAGE = os.environ.get("E2E_TEST_IMAGE", "e2e-runner:test")
# Where Debian keeps locally added CA certificates (a TLS-inspecting proxy's, for example);
# they are handed to the image build, which needs them for pip and npm over HTTPS.
LOCAL_CA_DIR = Path("/usr/local/share/ca-certificates")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require(condition: bool, reason: str) -> None:
    """Skip locally, fail in CI."""
    if condition:
        return
    if in_ci():
        pytest.fail(f"{reason} (CI=true: Docker is required)", pytrace=False)
    pytest.skip(reason)


def _tail(text: str, lines: int = 40) -> str:
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
    return "".join(p.read_text() for p in sorted(LOCAL_CA_DIR.rglob("*.crt")) if p.is_file())


@pytest.fixture(scope="session")
def docker_engine() -> str:
    """A running engine (started with scripts/start-docker.sh when needed)."""
    if not docker_answers():
        if shutil.which("dockerd") is None and shutil.which("apt-get") is None:
            require(False, "no Docker engine and no way to install one")
        proc = subprocess.run(
            ["bash", str(REPO / "scripts" / "start-docker.sh")], capture_output=True, text=True, timeout=300
        )
        require(
            proc.returncode == 0 and docker_answers(),
            f"the Docker engine could not start:\n{_tail(proc.stderr)}",
        )
    return "docker"


@pytest.fixture(scope="session")
def base_image(docker_engine: str) -> str:
    """The Dockerfile's FROM image, made locally with debootstrap when it cannot be pulled."""
    env = {**os.environ, "E2E_BASE_NO_PULL": os.environ.get("E2E_BASE_NO_PULL", "1")}
    proc = subprocess.run(
        ["bash", str(REPO / "scripts" / "make-base-image.sh"), BASE_IMAGE],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    require(proc.returncode == 0, f"the base image could not be made:\n{_tail(proc.stderr)}")
    return BASE_IMAGE


@pytest.fixture(scope="session")
def e2e_image(base_image: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The project's image, built once per session from the working tree."""
    if os.environ.get("E2E_TEST_IMAGE_PREBUILT") == "1":
        return TEST_IMAGE
    log = tmp_path_factory.mktemp("image-build") / "build.log"
    cmd = ["docker", "build", "--network", "host", "-t", TEST_IMAGE]
    ca = extra_ca_certs()
    if ca:
        cmd += ["--build-arg", f"EXTRA_CA_CERTS={ca}"]
    started = time.monotonic()
    with log.open("w") as out:
        proc = subprocess.run([*cmd, str(REPO)], stdout=out, stderr=subprocess.STDOUT, timeout=1800)
    if proc.returncode != 0:
        pytest.fail(f"docker build failed ({log}):\n{_tail(log.read_text())}", pytrace=False)
    print(f"\nimage {TEST_IMAGE} built in {time.monotonic() - started:.0f}s")
    return TEST_IMAGE


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
    return sorted(p for p in reports.iterdir() if p.is_dir() and not p.is_symlink() and (p / "run.json").is_file())


def read_run(run_dir: Path) -> dict:
    return json.loads((run_dir / "run.json").read_text(encoding="utf-8"))


def scenario_names(run: dict) -> list[str]:
    return sorted(str(s.get("id")) for s in run.get("scenarios") or [])


def make_project(dest: Path, *, features: list[str] | None = None, extra_files: dict[str, str] | None = None) -> Path:
    """A throwaway git checkout of this project (tracked and untracked, non-ignored files).

    ``features`` keeps only those feature files; ``extra_files`` adds or replaces files.
    Committed, so CodeBuild's commit and branch variables have real values.
    """
    from runner.codebuild_local import copy_source

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


@pytest.fixture(scope="session")
def entrypoint_run(e2e_image: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """`docker run IMAGE`: the ENTRYPOINT starts the browser and runs the bundled suite."""
    reports = tmp_path_factory.mktemp("entrypoint-reports")
    proc = docker_run(e2e_image, volumes={str(reports): "/e2e/reports"}, timeout=1200)
    return {"proc": proc, "reports": reports, "run_dirs": run_folders(reports)}


@pytest.fixture
def project_factory(tmp_path: Path) -> Iterator:
    counter = iter(range(1000))

    def make(**kwargs) -> Path:
        return make_project(tmp_path / f"project{next(counter)}", **kwargs)

    yield make
