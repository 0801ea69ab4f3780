"""Benchmark instrument: per item, the time pytest spends on it and the messages Playwright sends."""

import json
import os
import time

import pytest

_phases = {}
_records = []
_sent = {"count": 0}


def _count_messages():
    """Every message the Python client sends to Playwright's driver (one round trip each, except
    the fire-and-forget ones), counted where the client sends them."""
    try:
        from playwright._impl import connection
    except ImportError:  # older Playwright
        try:
            from playwright._impl import _connection as connection
        except ImportError:
            return
    original = connection.Connection.send_message_to_server

    def counting(self, obj, method, params, *args, **kwargs):
        # Through a browser server (connect()), each message of the remote connection also goes
        # through the local driver as a JsonPipe.send: counted once, as the message it carries.
        if obj._type != "JsonPipe":
            _sent["count"] += 1
        return original(self, obj, method, params, *args, **kwargs)

    connection.Connection.send_message_to_server = counting


_count_messages()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    started, sent = time.perf_counter(), _sent["count"]
    yield
    record = {"id": item.nodeid, "cycle": time.perf_counter() - started, "messages": _sent["count"] - sent}
    record.update(_phases.pop(item.nodeid, {}))
    _records.append(record)


def pytest_runtest_logreport(report):
    _phases.setdefault(report.nodeid, {})[report.when] = report.duration
    if report.failed:
        _phases[report.nodeid]["failed"] = True


def pytest_sessionfinish(session):
    path = os.environ.get("BENCH_TIMINGS")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if path and (_records or worker is None):
        with open(f"{path}.{worker}" if worker else path, "w") as fh:
            json.dump(_records, fh)
