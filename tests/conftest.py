"""Shared fixtures: a throwaway project that runs real pytest + the e2e plugin + real Chromium.

The helpers themselves are in ``tests.support`` (also used by the benchmarks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import E2EProject

pytest_plugins = ["pytester"]


@pytest.fixture
def e2e_project(tmp_path: Path) -> E2EProject:
    return E2EProject(tmp_path / "project")
