"""Benchmarks: scripts run from the repository root as ``python -m benchmarks.<name>`` (see README.md).

Every benchmark measures runs as a team's machines make them: a laptop writes Python's bytecode
and pytest's cache of the plugins' rewritten modules at its first run and reads them from then
on, and the image has both from its build. A shell that sets ``PYTHONDONTWRITEBYTECODE`` would
have every measured process (the runner's and the peer's alike) compile its plugins anew at each
start, about 0.3 s of CPU per process that no user's run spends; so, for every benchmark (this
package runs before any of them), it is not passed on.
"""

import os

os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
