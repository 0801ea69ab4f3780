"""Loaded into measured runs with ``-p bench_phases``: a line of JSON per hook into $BENCH_PHASES
(the process, xdist's worker name or "controller", the hook, the wall clock). Only reads clocks."""

import json
import os
import time

import pytest


def _mark(what: str) -> None:
    with open(os.environ["BENCH_PHASES"], "a") as out:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "controller")
        out.write(json.dumps({"pid": os.getpid(), "worker": worker, "what": what, "t": time.time()}) + "\n")


_mark("loaded")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    _mark("configure")


def pytest_runtest_logstart(nodeid: str, location: object) -> None:
    _mark("item start")


def pytest_runtest_logfinish(nodeid: str, location: object) -> None:
    _mark("item end")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    _mark("sessionfinish")
