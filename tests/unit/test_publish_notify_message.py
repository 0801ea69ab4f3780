"""runner/publish/notify.py: the Slack-form message, when to send it, a bounded POST that never raises."""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from runner.publish.index import Failure, RunEntry
from runner.publish.notify import MAX_SECTION, Listed, message, post, should_notify
from runner.serving import serve_in_background


def _entry(status: str = "failed", **extra) -> RunEntry:
    data = {"run_id": "20261201-101500-abcdef", "status": status, "counts": {"total": 3, "passed": 1, "failed": 2}, "branch": "main", "commit": "0123456789abcdef"}
    data.update(extra)
    return RunEntry.from_dict(data)


def _failure(name: str) -> Failure:
    return Failure(name=name, feature="Shop", key=name, failed_step="Then I see \"Paid\"", error='Did not see "Paid"', screenshot=None)


def test_when_to_notify() -> None:
    red, green = _entry("failed"), _entry("passed")
    assert should_notify(red, None, "failure") and not should_notify(green, None, "failure")
    assert should_notify(green, None, "always")
    assert should_notify(green, None, "change")  # a first run is a change
    assert should_notify(green, red, "change") and not should_notify(red, red, "change")


def test_the_message_names_new_failures_apart_from_quarantined_ones_with_the_link() -> None:
    listed = [
        Listed(_failure("Pay by card"), "new failure (passed in run 1)"),
        Listed(_failure("Refund"), "failing since run 1 (2 runs)"),
        Listed(_failure("Known bug"), None, quarantined=True),
    ]
    payload = message(_entry(), listed, "https://reports.example.test/e2e/runs/x/report/index.html")
    text = payload["text"]
    assert text.splitlines()[0] == "e2e run 20261201-101500-abcdef: FAILED on main · 0123456789"
    assert "New failures (1):\n• Pay by card (Shop) [new failure (passed in run 1)]" in text
    assert "Still failing (1)" in text and "Quarantined, not failing the build (1)" in text
    assert text.index("Known bug") > text.index("Quarantined")
    assert text.endswith("Report: https://reports.example.test/e2e/runs/x/report/index.html")
    assert payload["blocks"][0]["type"] == "header"
    assert json.dumps(payload)  # plain JSON


def test_long_lists_are_capped_and_say_how_many_more() -> None:
    listed = [Listed(_failure(f"Scenario {i} " + "x" * 200), "new failure") for i in range(60)]
    payload = message(_entry(), listed, None)
    sections = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
    assert all(len(s) <= MAX_SECTION for s in sections)
    assert any("more" in s for s in sections)
    assert len(payload["blocks"]) <= 50


class _Hook(BaseHTTPRequestHandler):
    received: list[bytes] = []
    delay = 0.0
    status = 200

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(body)
        time.sleep(type(self).delay)
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def _server(delay: float = 0.0, status: int = 200) -> tuple[ThreadingHTTPServer, type[_Hook]]:
    handler = type("Hook", (_Hook,), {"received": [], "delay": delay, "status": status})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    serve_in_background(server)
    return server, handler


def test_a_post_reaches_the_webhook() -> None:
    server, hook = _server()
    try:
        assert post(f"http://127.0.0.1:{server.server_port}/hook", {"text": "hi"}) is True
        assert json.loads(hook.received[0]) == {"text": "hi"}
    finally:
        server.shutdown()


def test_a_failing_or_hanging_webhook_is_a_warning_within_the_bound() -> None:
    warnings: list[str] = []
    server, _ = _server(status=500)
    try:
        assert post(f"http://127.0.0.1:{server.server_port}/", {"text": "x"}, warn=warnings.append) is False
    finally:
        server.shutdown()
    assert "answered 500" in warnings[0]
    server, _ = _server(delay=5)
    try:
        started = time.monotonic()
        assert post(f"http://127.0.0.1:{server.server_port}/", {"text": "x"}, timeout=1, warn=warnings.append) is False
        assert time.monotonic() - started < 3
    finally:
        server.shutdown()
    assert "did not answer within 1 s" in warnings[1]
    assert post("http://127.0.0.1:9/", {"text": "x"}, timeout=1, warn=warnings.append) is False
    assert "could not be reached" in warnings[2] and "127.0.0.1:9" not in warnings[2]
