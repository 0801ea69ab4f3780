"""Shared fixtures: a throwaway project that runs real pytest + the e2e plugin + real Chromium.

The helpers themselves are in ``tests.support`` (also used by the benchmarks)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support import E2EProject
from tests.support.project import INNER_PYTEST_ADDOPTS

pytest_plugins = ["pytester"]

# Every pytest a test starts gets these options instead of the caller's (this run's own are parsed).
os.environ["PYTEST_ADDOPTS"] = INNER_PYTEST_ADDOPTS


@pytest.fixture
def e2e_project(tmp_path: Path) -> E2EProject:
    return E2EProject(tmp_path / "project")
