"""Where things are: the repository, the tests' data, the support files, the ``e2e`` command."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Feature files (and other inputs) that the tests run in temporary projects.
DATA = REPO / "tests" / "data"
# Python files (conftests, step modules, plugins) copied into temporary projects; real files, linted.
FILES = Path(__file__).resolve().parent / "files"
# The runner's command, installed next to the Python that runs the tests (the project's venv).
E2E = str(Path(sys.executable).with_name("e2e"))
