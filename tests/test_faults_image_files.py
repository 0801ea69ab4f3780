"""The image writes no cache into a mounted repository (root would leave it to the owner).

The Dockerfile's ``PYTEST_ADDOPTS`` is applied to a real pytest run in a temp project: no
``.pytest_cache/`` appears in it, and ``--lf`` still works (the cache lives in /tmp). The
image itself is run on a mounted repository by ``tests/test_team_repository.py``, which
checks every file left there belongs to the repository's owner.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _image_addopts() -> str:
    match = re.search(r'PYTEST_ADDOPTS="([^"]+)"', (ROOT / "Dockerfile").read_text(encoding="utf-8"))
    assert match, "the Dockerfile sets no PYTEST_ADDOPTS"
    return match[1]


def test_the_images_pytest_options_leave_no_cache_in_the_repository(tmp_path: Path) -> None:
    addopts = _image_addopts()
    cache = Path(shlex.split(addopts)[-1].split("=", 1)[1])
    assert not cache.is_relative_to("/e2e") and cache.is_absolute(), addopts
    project = tmp_path / "repo"
    project.mkdir()
    (project / "test_one.py").write_text("def test_one():\n    assert True\n")
    own_cache = tmp_path / "cache"  # the image's /tmp path, moved under this test's folder
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "E2E_"))}
    env["PYTEST_ADDOPTS"] = addopts.replace(str(cache), str(own_cache))
    for args in ([], ["--lf"]):
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", *args],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not (project / ".pytest_cache").exists()
    assert own_cache.is_dir()
