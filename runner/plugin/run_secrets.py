"""Secrets first seen while a run goes on (cookies an API step's context holds: sessions,
CSRF tokens), kept where the controller's redactor finds them at the end of the run.

They are written beside the roles' states (``runner.plugin.signin_store``), in the private
state folder, never in the run folder, so the values of every xdist worker reach the one
process that scrubs the run folder; ``signin.secret_values`` reads them all.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from runner.plugin.signin import state_dir
from runner.plugin.signin_store import RoleStore
from runner.plugin.state import get_run_state

# The pseudo-role under which values seen during the run are kept (not a name a tag can give).
RUN_VALUES = "@run"


@pytest.fixture
def e2e_secret_sink(pytestconfig: pytest.Config) -> Callable[[str], None]:
    """``sink(value)``: ``value`` is a secret of this run, masked in every file it wrote."""
    state = get_run_state(pytestconfig)
    seen: set[str] = set()
    store: list[RoleStore] = []

    def sink(value: str) -> None:
        if value in seen:
            return
        seen.add(value)
        if not store:
            store.append(RoleStore(state_dir(state.settings), state.run_dir))
        store[0].add_secrets(RUN_VALUES, [value])

    return sink
