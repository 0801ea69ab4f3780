"""Docker for the image tests: the engine, the locally made base image, the built test image.

Test modules load these with ``pytest_plugins = ["tests.support.docker_fixtures"]``, so each session
fixture exists once: the engine is started once, the image built once per test session,
and the layer cache makes a rebuild after a source edit cost seconds.

Locally a test that needs Docker is skipped when the engine cannot start; in CI
(``CI=true``) it FAILS instead: there a missing engine is a broken setup, not a choice.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.ci import in_ci, require
from tests.support.containers import (
    BASE_IMAGE,
    REPO,
    TEST_IMAGE,
    docker_answers,
    docker_run,
    extra_ca_certs,
    make_project,
    run_folders,
    tail,
)


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
            f"the Docker engine could not start:\n{tail(proc.stderr)}",
        )
    return "docker"


@pytest.fixture(scope="session")
def base_image(docker_engine: str) -> str:
    """The Dockerfile's FROM image: present, made locally with debootstrap, or pulled.

    debootstrap comes first so that machines which must not contact image registries never
    do; a laptop without root falls back to an ordinary pull.
    """
    env = {**os.environ, "E2E_BASE_NO_PULL": "1"}
    proc = subprocess.run(
        ["bash", str(REPO / "scripts" / "make-base-image.sh"), BASE_IMAGE],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    if proc.returncode != 0 and not in_ci():
        pulled = subprocess.run(
            ["docker", "pull", "-q", BASE_IMAGE], capture_output=True, text=True, timeout=600
        )
        if pulled.returncode == 0:
            return BASE_IMAGE
    require(proc.returncode == 0, f"the base image could not be made:\n{tail(proc.stderr)}")
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
        pytest.fail(f"docker build failed ({log}):\n{tail(log.read_text())}", pytrace=False)
    print(f"\nimage {TEST_IMAGE} built in {time.monotonic() - started:.0f}s")
    return TEST_IMAGE


@pytest.fixture(scope="session")
def entrypoint_run(e2e_image: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """`docker run IMAGE`: the ENTRYPOINT starts the browser and runs the bundled suite."""
    reports = tmp_path_factory.mktemp("entrypoint-reports")
    proc = docker_run(e2e_image, volumes={str(reports): "/e2e/reports"}, timeout=1200)
    return {"proc": proc, "reports": reports, "run_dirs": run_folders(reports)}


@pytest.fixture
def project_factory(tmp_path: Path) -> Callable[..., Path]:
    counter = itertools.count()

    def make(**kwargs) -> Path:
        return make_project(tmp_path / f"project{next(counter)}", **kwargs)

    return make
