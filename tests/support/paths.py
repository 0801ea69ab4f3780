"""Where things are: the repository, the tests' data, the ``e2e`` command."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# What the tests copy into temporary projects: features, and step modules and conftests as real
# (linted) Python files.
DATA = REPO / "tests" / "data"
# The runner's command, installed next to the Python that runs the tests (the project's venv).
E2E = str(Path(sys.executable).with_name("e2e"))
