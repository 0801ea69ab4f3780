"""What a run's processes hold from their start on is kept out of Python's garbage collector.

A run's process imports pytest, pytest-bdd, Playwright's generated API, Allure and this runner
(about 66,000 objects before the first scenario), and then collects the suite. Those objects
live until the process ends, yet every full collection walks all of them again: the ones
Python starts by itself as a scenario allocates, and the five in a row pytest makes at its end
(``unraisableexception``), about 60 ms each on the machines we measured, in the controller and
in every worker (see ``benchmarks/README.md``, "Start and end of a run").

``gc.freeze()`` (the standard library's answer to exactly this) moves every object alive at a
point into a generation no collection visits. It is called twice: when the session starts
(everything imported, the shared browser held) and once collection has finished (the
scenarios' items). Each time the garbage there is collected first, so nothing that is already
garbage is kept; what a scenario allocates afterwards is collected as before (a scenario's
pages, contexts and evidence are never frozen). Nothing else here is written by hand: it is a
pair of calls at two of pytest's hooks.
"""

from __future__ import annotations

import gc

import pytest


def freeze() -> None:
    """Collect what is garbage now, then keep every live object out of later collections."""
    gc.collect()
    gc.freeze()


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    freeze()


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    freeze()
