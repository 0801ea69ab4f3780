"""runner/report/compact.py: what the single-file report embeds of long text attachments."""

from __future__ import annotations

import json
from pathlib import Path

from runner.report.compact import PASSING_TEXT_BYTES, compact_copy


def _result(results: Path, name: str, status: str, source: str) -> None:
    step = {"name": "When I send a GET request to \"/api/books/\"", "status": status,
            "attachments": [{"name": "GET /api/books/ -> 200", "source": source, "type": "text/plain"}]}
    (results / f"{name}-result.json").write_text(json.dumps({"name": name, "status": status, "steps": [step]}))


def test_a_passing_steps_long_text_keeps_its_first_part_and_a_failing_ones_is_whole(tmp_path: Path) -> None:
    run = tmp_path / "run"
    results = run / "allure-results"
    results.mkdir(parents=True)
    body = "GET http://app/api/books/\n" + "x" * 50_000
    (results / "a-attachment.txt").write_text(body)
    (results / "b-attachment.txt").write_text(body)
    (results / "c-attachment.txt").write_text("short")
    _result(results, "passing", "passed", "a-attachment.txt")
    _result(results, "failing", "failed", "b-attachment.txt")
    _result(results, "small", "passed", "c-attachment.txt")
    out = tmp_path / "compact"
    compact_copy(run, out)
    cut = (out / "a-attachment.txt").read_text()
    assert cut.startswith("GET http://app/api/books/") and len(cut.encode()) < PASSING_TEXT_BYTES + 300
    assert "allure-results/a-attachment.txt" in cut
    assert (out / "b-attachment.txt").read_text() == body
    assert (out / "c-attachment.txt").read_text() == "short"
    assert (results / "a-attachment.txt").read_text() == body  # the run folder is only read
