"""What the tests and the benchmarks share: the team project factory, the S3 server, process
helpers and the paths (the repository, the ``e2e`` command, the data folders).

Imported as ``tests.support`` from the repository's root: pytest puts the root on ``sys.path``
(``pythonpath`` in pyproject.toml), the benchmarks run as ``python -m benchmarks.<name>`` from it.
"""

from __future__ import annotations

from tests.support.ci import in_ci, require
from tests.support.paths import DATA, E2E, REPO
from tests.support.project import E2EProject, ProjectRun, clean_env

__all__ = ["DATA", "E2E", "REPO", "E2EProject", "ProjectRun", "clean_env", "in_ci", "require"]
